memphase_unit_test(wcrnn_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/wcrnn_test.cpp DEPS memphase::family_wcrnn)
