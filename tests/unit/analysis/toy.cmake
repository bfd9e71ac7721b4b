# Toy campaign families (SPEC §4): configuration and task keys, and the α_max
# grid + exponent fit. Included from tests/CMakeLists.txt; paths are relative
# to this file so that it can be included from anywhere.
memphase_unit_test(toy_scaling_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/toy_scaling_test.cpp
                   DEPS memphase::family_toy memphase::config)
memphase_unit_test(toy_config_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/../config/toy_config_test.cpp
                   DEPS memphase::config)
get_filename_component(memphase_toy_campaigns_dir "${CMAKE_CURRENT_LIST_DIR}/../../../campaigns" ABSOLUTE)
target_compile_definitions(toy_config_test PRIVATE
                           MEMPHASE_CAMPAIGNS_DIR="${memphase_toy_campaigns_dir}")
