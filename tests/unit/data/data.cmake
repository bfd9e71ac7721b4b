# Data sets (SPEC §6). The tests that read real data find it under
# $MEMPHASE_DATA (default: <source dir>/build/data, where scripts/setup.sh runs
# `bash scripts/fetch_data.sh` to put it) and skip with a reason when absent.
memphase_unit_test(data_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/data_test.cpp DEPS memphase::data)
target_compile_definitions(data_test PRIVATE MEMPHASE_DEFAULT_DATA_DIR="${PROJECT_SOURCE_DIR}/build/data")
