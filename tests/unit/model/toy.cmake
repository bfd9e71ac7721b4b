memphase_unit_test(toy_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/toy_test.cpp DEPS memphase::family_toy)
