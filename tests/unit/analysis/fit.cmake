memphase_unit_test(fit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/fit_test.cpp DEPS memphase::stats)
memphase_unit_test(exponent_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/exponent_test.cpp DEPS memphase::stats)

# Cross-check of the SPEC §3.7 fits against the reference's scipy curve_fit
# procedure (issue 14), on fixed phase-diagram curves.
add_executable(fit_cli ${CMAKE_CURRENT_LIST_DIR}/fit_cli.cpp)
target_link_libraries(fit_cli PRIVATE memphase::stats memphase_warnings)
add_test(NAME analysis.fit_crosscheck_scipy
         COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/fit_crosscheck.py $<TARGET_FILE:fit_cli>
                 ${PROJECT_SOURCE_DIR}/tests/data/fits/phase_diagram_curves.csv
                 --report ${CMAKE_CURRENT_BINARY_DIR}/fit_crosscheck.md)
set_tests_properties(analysis.fit_crosscheck_scipy PROPERTIES LABELS "unit" SKIP_RETURN_CODE 77 TIMEOUT 120)
