memphase_unit_test(durable_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/durable_test.cpp DEPS memphase::io)
