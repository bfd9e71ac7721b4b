memphase_unit_test(ghost_task_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ghost_task_test.cpp DEPS memphase::family_ghost)
