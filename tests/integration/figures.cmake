# analysis/figures.py (issue 4): rendered from the tiny campaign (np 2), and
# from the README's quick campaign (the quick_run fixture) by the quickstart.
set(_fig ${PROJECT_SOURCE_DIR}/analysis/figures.py)
add_test(NAME integration.figures_smoke
         COMMAND ${_py} ${CMAKE_CURRENT_SOURCE_DIR}/figures_smoke.py --memphase ${_bin} --figures ${_fig}
                 --dir ${_w}/figures-tiny --run ${PROJECT_SOURCE_DIR}/tests/data/tiny.yaml
                 --mpiexec ${MPIEXEC_EXECUTABLE} "--numproc-flag=${MPIEXEC_NUMPROC_FLAG}"
                 "--preflags=${MPIEXEC_PREFLAGS}")
set_tests_properties(integration.figures_smoke PROPERTIES LABELS integration PROCESSORS 2 TIMEOUT 600)
add_test(NAME integration.quick_analysis_and_figures
         COMMAND ${_py} ${CMAKE_CURRENT_SOURCE_DIR}/figures_smoke.py --memphase ${_bin} --figures ${_fig}
                 --dir ${_w}/quick)
set_tests_properties(integration.quick_analysis_and_figures PROPERTIES LABELS integration
                     FIXTURES_REQUIRED quick_run TIMEOUT 600)
# Issue 16: train.optimizer adam, end to end (run -> gather -> analyze ->
# figures) on campaigns/adam-quick.yaml (np 2).
add_test(NAME integration.adam_quick_figures
         COMMAND ${_py} ${CMAKE_CURRENT_SOURCE_DIR}/figures_smoke.py --memphase ${_bin} --figures ${_fig}
                 --dir ${_w}/adam-quick --run ${PROJECT_SOURCE_DIR}/campaigns/adam-quick.yaml
                 --mpiexec ${MPIEXEC_EXECUTABLE} "--numproc-flag=${MPIEXEC_NUMPROC_FLAG}"
                 "--preflags=${MPIEXEC_PREFLAGS}")
set_tests_properties(integration.adam_quick_figures PROPERTIES LABELS integration PROCESSORS 2 TIMEOUT 600)
# Issue 16: the gru family end to end on campaigns/gru-quick.yaml (np 2).
add_test(NAME integration.gru_quick_figures
         COMMAND ${_py} ${CMAKE_CURRENT_SOURCE_DIR}/figures_smoke.py --memphase ${_bin} --figures ${_fig}
                 --dir ${_w}/gru-quick --run ${PROJECT_SOURCE_DIR}/campaigns/gru-quick.yaml
                 --mpiexec ${MPIEXEC_EXECUTABLE} "--numproc-flag=${MPIEXEC_NUMPROC_FLAG}"
                 "--preflags=${MPIEXEC_PREFLAGS}")
set_tests_properties(integration.gru_quick_figures PROPERTIES LABELS integration PROCESSORS 2 TIMEOUT 600)
