# Campaign-file tests (config/campaign.hpp). Included from this directory's
# CMakeLists.txt; paths are relative to this file so that it can be included
# from anywhere.
memphase_unit_test(campaign_config_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/campaign_test.cpp
                   DEPS memphase::config)
# The shipped campaign files are loaded by the tests (task counts, lr values).
get_filename_component(memphase_campaigns_dir "${CMAKE_CURRENT_LIST_DIR}/../../../campaigns" ABSOLUTE)
target_compile_definitions(campaign_config_test PRIVATE
                           MEMPHASE_CAMPAIGNS_DIR="${memphase_campaigns_dir}")
# Ghost / WCRNN families (issues 6, 7).
memphase_unit_test(model_config_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_config_test.cpp DEPS memphase::config)
target_compile_definitions(model_config_test PRIVATE MEMPHASE_CAMPAIGNS_DIR="${memphase_campaigns_dir}")
# Task keys and config hashes of every shipped campaign and preset, pinned
# before the family refactor of issue 16 (a contract: run directories resume
# only under the same keys and hash).
memphase_unit_test(compat_keys_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/compat_keys_test.cpp DEPS memphase::config)
get_filename_component(memphase_source_dir "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
target_compile_definitions(compat_keys_test PRIVATE MEMPHASE_SOURCE_DIR="${memphase_source_dir}")
