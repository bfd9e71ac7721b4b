# Run at build time (cmake -P) to (re)generate version.cpp from git. The file
# is rewritten only when the version changes, so it does not force rebuilds.
# Inputs: SRC (template), DST (output), GIT_DIR (work tree), BUILD_TYPE,
#         COMPILER_ID, COMPILER_VERSION.
set(MEMPHASE_GIT_DESCRIBE "unknown")
set(MEMPHASE_GIT_DIRTY "false")
set(MEMPHASE_DIRTY_SUFFIX "")
find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --tags
                  WORKING_DIRECTORY "${GIT_DIR}" OUTPUT_VARIABLE _d
                  RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_rc EQUAL 0 AND _d)
    set(MEMPHASE_GIT_DESCRIBE "${_d}")
  endif()
  execute_process(COMMAND "${GIT_EXECUTABLE}" status --porcelain --untracked-files=no
                  WORKING_DIRECTORY "${GIT_DIR}" OUTPUT_VARIABLE _s
                  RESULT_VARIABLE _rc2 OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_rc2 EQUAL 0 AND _s)
    set(MEMPHASE_GIT_DIRTY "true")
    set(MEMPHASE_DIRTY_SUFFIX "+dirty")
  endif()
endif()
set(CMAKE_BUILD_TYPE "${BUILD_TYPE}")
set(CMAKE_CXX_COMPILER_ID "${COMPILER_ID}")
set(CMAKE_CXX_COMPILER_VERSION "${COMPILER_VERSION}")
configure_file("${SRC}" "${DST}" @ONLY)
