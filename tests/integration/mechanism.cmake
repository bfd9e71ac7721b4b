# Issue 17 part 2: mechanism snapshots (SPEC §3.8) under real mpirun.
# kill: with vs without snapshots bitwise equal networks (rate_rnn and gru); SIGKILL mid-training
# + resume gives the uninterrupted campaign.h5, snapshot tables included.
# quick: mechanism-evolution-quick.yaml run -> gather -> analyze -> figures,
# the report recomputed independently from campaign.h5.
set(_mech ${CMAKE_CURRENT_SOURCE_DIR}/mechanism_campaign.py)
add_test(NAME integration.snapshots_kill_resume
         COMMAND ${_py} ${_mech} kill --memphase ${_bin} --mpiexec ${MPIEXEC_EXECUTABLE}
                 "--preflags=${MPIEXEC_PREFLAGS}" --campaign ${PROJECT_SOURCE_DIR}/tests/data/tiny-snapshots.yaml
                 --work ${_w}/snapshots)
set_tests_properties(integration.snapshots_kill_resume PROPERTIES LABELS "integration;mpi;fault" PROCESSORS 2
                     TIMEOUT 600)
# The same for the gru family's runner (its own checkpoint state with the
# snapshot block appended).
add_test(NAME integration.gru_snapshots_kill_resume
         COMMAND ${_py} ${_mech} kill --memphase ${_bin} --mpiexec ${MPIEXEC_EXECUTABLE}
                 "--preflags=${MPIEXEC_PREFLAGS}" --campaign ${PROJECT_SOURCE_DIR}/tests/data/tiny-gru-snapshots.yaml
                 --work ${_w}/gru-snapshots)
set_tests_properties(integration.gru_snapshots_kill_resume PROPERTIES LABELS "integration;mpi;fault" PROCESSORS 2
                     TIMEOUT 600)
add_test(NAME integration.mechanism_quick
         COMMAND ${_py} ${_mech} quick --memphase ${_bin} --mpiexec ${MPIEXEC_EXECUTABLE}
                 "--preflags=${MPIEXEC_PREFLAGS}"
                 --campaign ${PROJECT_SOURCE_DIR}/campaigns/mechanism-evolution-quick.yaml
                 --figures ${PROJECT_SOURCE_DIR}/analysis/figures.py --work ${_w}/mechanism)
set_tests_properties(integration.mechanism_quick PROPERTIES LABELS integration PROCESSORS 2 TIMEOUT 600)
