memphase_unit_test(lyapunov_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/lyapunov_test.cpp DEPS memphase::dynamics memphase::family_wcrnn memphase::family_rate_rnn)
