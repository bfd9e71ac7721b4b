memphase_unit_test(rank2_task_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/rank2_task_test.cpp DEPS memphase::family_rank2)
