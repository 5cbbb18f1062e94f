# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# tst_install: installs the built QPaho tree into a fresh temporary prefix, then configures,
# builds and runs the standalone consumer in this directory against that prefix only.
#
#   cmake -DQPAHO_BUILD_DIR=<built QPaho tree> -DCONSUMER_SOURCE_DIR=<this directory>
#         -DWORK_DIR=<scratch dir, wiped> -DGENERATOR=<generator> [-DBUILD_TYPE=Debug]
#         [-DCXX_COMPILER=...] [-DCXX_COMPILER_LAUNCHER=...] [-DCXX_FLAGS=...]
#         [-DEXE_LINKER_FLAGS=...] [-DEXTRA_PREFIX_PATH=a|b] [-DCOMPONENT=Coro]
#         -P run_install_test.cmake
#
# COMPONENT=Coro (ctest: tst_install_coro, consumer in coro/): also checks that the Coro header
# and QPahoCoroTargets.cmake were installed, and afterwards that a prefix without them fails
# find_package(QPaho COMPONENTS Coro) cleanly and leaves QPaho_Coro_FOUND false when optional.
#
# CXX_FLAGS/EXE_LINKER_FLAGS carry the main build's flags (e.g. -fsanitize=address), so a
# sanitizer-built libQPaho gets a consumer built the same way. EXTRA_PREFIX_PATH is the main
# build's CMAKE_PREFIX_PATH with '|' for ';' (where a non-system Qt may live).
cmake_minimum_required(VERSION 3.25)

foreach(var QPAHO_BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "run_install_test.cmake: -D${var}=... is required")
    endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(config_args)
if(BUILD_TYPE)
    set(config_args --config "${BUILD_TYPE}")
endif()

# Runs a step; on failure stops with the command and everything it printed.
function(run_step step)
    execute_process(COMMAND ${ARGN}
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        list(JOIN ARGN " " command)
        message(FATAL_ERROR "tst_install: ${step} failed (exit ${rc})\n"
            "command: ${command}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
    endif()
    set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

# 1. Install the main build into the prefix.
run_step("cmake --install" "${CMAKE_COMMAND}" --install "${QPAHO_BUILD_DIR}"
    --prefix "${prefix}" ${config_args})
message(STATUS "installed into ${prefix}")

file(GLOB_RECURSE package_configs "${prefix}/*/QPahoConfig.cmake")
file(GLOB_RECURSE libraries "${prefix}/*/libQPaho.so*")
set(missing)
if(NOT package_configs)
    list(APPEND missing "QPahoConfig.cmake")
endif()
if(NOT libraries)
    list(APPEND missing "libQPaho.so")
endif()
set(headers Client Topic QPaho client.h topic.h qpahoglobal.h qpahoversion.h)
if(COMPONENT STREQUAL "Coro")
    list(APPEND headers Coro coro.h)
    file(GLOB_RECURSE coro_exports "${prefix}/*/QPahoCoroTargets.cmake")
    if(NOT coro_exports)
        list(APPEND missing "QPahoCoroTargets.cmake")
    endif()
elseif(COMPONENT)
    message(FATAL_ERROR "run_install_test.cmake: unknown COMPONENT '${COMPONENT}'")
endif()
foreach(header IN LISTS headers)
    if(NOT EXISTS "${prefix}/include/QPaho/${header}")
        list(APPEND missing "include/QPaho/${header}")
    endif()
endforeach()
if(missing)
    file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
    list(JOIN installed "\n  " installed)
    message(FATAL_ERROR "tst_install: not installed: ${missing}\ninstalled files:\n  ${installed}")
endif()
list(GET libraries 0 library)
get_filename_component(libdir "${library}" DIRECTORY)

# 2. Configure the consumer: only the prefix (plus where Qt comes from), no package registry.
# The extra paths go through the environment (':'-separated), which keeps them out of CMake
# list splitting.
set(env_prefix_path "")
if(EXTRA_PREFIX_PATH)
    string(REPLACE "|" ":" env_prefix_path "${EXTRA_PREFIX_PATH}")
endif()
if(DEFINED ENV{CMAKE_PREFIX_PATH} AND NOT "$ENV{CMAKE_PREFIX_PATH}" STREQUAL "")
    string(APPEND env_prefix_path ":$ENV{CMAKE_PREFIX_PATH}")
endif()
set(configure_args
    -S "${CONSUMER_SOURCE_DIR}" -B "${build}" -G "${GENERATOR}"
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
# The build's own settings, where set: BUILD_TYPE becomes -DCMAKE_BUILD_TYPE and so on.
foreach(setting BUILD_TYPE CXX_COMPILER CXX_COMPILER_LAUNCHER CXX_FLAGS EXE_LINKER_FLAGS)
    if(${setting})
        list(APPEND configure_args "-DCMAKE_${setting}=${${setting}}")
    endif()
endforeach()
run_step("configuring the consumer" "${CMAKE_COMMAND}" -E env
    "CMAKE_PREFIX_PATH=${env_prefix_path}" "${CMAKE_COMMAND}" ${configure_args})

# It must have found the installed package, not the build tree or a system copy.
file(STRINGS "${build}/CMakeCache.txt" qpaho_dir_line REGEX "^QPaho_DIR:")
string(REGEX REPLACE "^QPaho_DIR:[A-Z]+=" "" qpaho_dir "${qpaho_dir_line}")
file(REAL_PATH "${prefix}" real_prefix)
file(REAL_PATH "${qpaho_dir}" real_qpaho_dir)
string(FIND "${real_qpaho_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
    message(FATAL_ERROR "tst_install: the consumer found QPaho in '${qpaho_dir}', "
        "not in the prefix ${prefix}")
endif()

# 3. Build it.
run_step("building the consumer" "${CMAKE_COMMAND}" --build "${build}" ${config_args})
file(GLOB_RECURSE executables "${build}/qpaho_consumer" "${build}/*/qpaho_consumer")
if(NOT executables)
    message(FATAL_ERROR "tst_install: no qpaho_consumer executable under ${build}")
endif()
list(GET executables 0 consumer)

# 4. Run it against the installed library.
set(ld_path "${libdir}")
if(DEFINED ENV{LD_LIBRARY_PATH} AND NOT "$ENV{LD_LIBRARY_PATH}" STREQUAL "")
    string(APPEND ld_path ":$ENV{LD_LIBRARY_PATH}")
endif()
run_step("running the consumer" "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${ld_path}"
    "${consumer}")
if(NOT step_output MATCHES "consumer ok")
    message(FATAL_ERROR "tst_install: the consumer did not say 'consumer ok':\n${step_output}")
endif()

# The library it loaded is the installed one.
find_program(LDD ldd)
if(LDD)
    run_step("ldd" "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${ld_path}" "${LDD}" "${consumer}")
    string(REGEX MATCH "libQPaho\\.so[^\n]*=> ([^ \n]+)" loaded "${step_output}")
    file(REAL_PATH "${CMAKE_MATCH_1}" loaded_real)
    string(FIND "${loaded_real}" "${real_prefix}/" at)
    if(NOT at EQUAL 0)
        message(FATAL_ERROR "tst_install: the consumer loads '${CMAKE_MATCH_1}', "
            "not the installed library:\n${step_output}")
    endif()
endif()
message(STATUS "tst_install: consumer ok (QPaho_DIR=${qpaho_dir})")

# 5. (Coro) An installation without the component: REQUIRED fails with a clear message instead
# of a CMake error, OPTIONAL_COMPONENTS still finds QPaho and reports the component missing.
if(COMPONENT STREQUAL "Coro")
    file(GLOB_RECURSE coro_files "${prefix}/*/QPahoCoroTargets*.cmake")
    file(REMOVE ${coro_files})
    execute_process(COMMAND "${CMAKE_COMMAND}" -E env "CMAKE_PREFIX_PATH=${env_prefix_path}"
            "${CMAKE_COMMAND}" ${configure_args} -B "${WORK_DIR}/without-coro"
        RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(rc EQUAL 0 OR NOT "${out}${err}" MATCHES "installed without its Coro component"
            OR "${out}${err}" MATCHES "CMake Error at [^\n]*QPahoConfig.cmake")
        message(FATAL_ERROR "tst_install: without QPahoCoroTargets.cmake, "
            "find_package(QPaho REQUIRED COMPONENTS Coro) should fail cleanly (exit ${rc}):\n"
            "${out}${err}")
    endif()
    run_step("configuring the consumer with an optional Coro" "${CMAKE_COMMAND}" -E env
        "CMAKE_PREFIX_PATH=${env_prefix_path}" "${CMAKE_COMMAND}" ${configure_args}
        -B "${WORK_DIR}/optional-coro" -DQPAHO_CONSUMER_OPTIONAL=ON)
    if(NOT step_output MATCHES "QPaho_FOUND=1 QPaho_Coro_FOUND=FALSE")
        message(FATAL_ERROR "tst_install: with Coro optional and not installed, expected "
            "QPaho found and QPaho_Coro_FOUND false:\n${step_output}")
    endif()
    message(STATUS "tst_install: a prefix without Coro is reported cleanly")
endif()
