# Shared build helpers: warnings, sanitizers and one test binary per component.

set(_lineaged_sanitizer_flags "")
# UBSan stops at the first report, except for pointer-overflow: a non-recoverable
# check aborts even when tests/sanitizers/ubsan.supp suppresses it, and that file
# must be able to silence RapidJSON 1.1.0's null-pointer arithmetic. An
# unsuppressed pointer-overflow still stops the run (UBSAN_OPTIONS=halt_on_error=1
# in scripts/ci-extra.sh and scripts/fuzz.sh).
set(_lineaged_ubsan_recover -fsanitize-recover=pointer-overflow)
if(LINEAGED_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LINEAGED_FUZZ needs clang: configure with CC=clang CXX=clang++")
  endif()
  if(NOT LINEAGED_SANITIZER STREQUAL "" AND NOT LINEAGED_SANITIZER STREQUAL "address,undefined")
    message(FATAL_ERROR "LINEAGED_FUZZ builds with address,undefined only")
  endif()
  # Coverage instrumentation everywhere; only the fuzz targets link libFuzzer's main.
  add_compile_options(-fsanitize=fuzzer-no-link)
  set(_lineaged_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                ${_lineaged_ubsan_recover} -fno-omit-frame-pointer)
elseif(LINEAGED_SANITIZER STREQUAL "address")
  set(_lineaged_sanitizer_flags -fsanitize=address -fno-omit-frame-pointer)
elseif(LINEAGED_SANITIZER STREQUAL "undefined")
  set(_lineaged_sanitizer_flags -fsanitize=undefined -fno-sanitize-recover=undefined
                                ${_lineaged_ubsan_recover})
elseif(LINEAGED_SANITIZER STREQUAL "address,undefined")
  set(_lineaged_sanitizer_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined
                                ${_lineaged_ubsan_recover} -fno-omit-frame-pointer)
elseif(LINEAGED_SANITIZER STREQUAL "thread")
  set(_lineaged_sanitizer_flags -fsanitize=thread)
elseif(NOT LINEAGED_SANITIZER STREQUAL "")
  message(FATAL_ERROR "LINEAGED_SANITIZER must be address, undefined, address,undefined or thread")
endif()
if(_lineaged_sanitizer_flags)
  add_compile_options(${_lineaged_sanitizer_flags})
  add_link_options(${_lineaged_sanitizer_flags})
endif()

# Warnings for our own targets only (never for generated or third-party code).
function(lineaged_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror=unused-result
                                           -Werror=return-type)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -Wthread-safety -Werror=thread-safety)
  endif()
endfunction()

# lineaged_cc_test(NAME foo_test SRCS a.cc b.cc DEPS lib...)
# One executable per component; each TEST becomes a ctest case.
function(lineaged_cc_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SRCS;DEPS" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  lineaged_set_warnings(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gmock GTest::gtest_main)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT ${T_TIMEOUT})
endfunction()
