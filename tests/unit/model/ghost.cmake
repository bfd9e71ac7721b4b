memphase_unit_test(ghost_rnn_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ghost_rnn_test.cpp DEPS memphase::family_ghost)
