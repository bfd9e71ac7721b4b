memphase_unit_test(fit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/fit_test.cpp DEPS memphase::analysis)
memphase_unit_test(exponent_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/exponent_test.cpp DEPS memphase::analysis)
