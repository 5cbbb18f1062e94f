# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# tst_package: builds the Debian packages of this build with `cpack -G DEB`, unpacks each into a
# temporary root with `dpkg-deb -x`, and against that root only:
#   1. checks the package list and the declared dependencies (shlibdeps for the library,
#      qt6-base-dev and libpaho-mqtt-dev for libqpaho-dev);
#   2. builds and runs a consumer with CMake (find_package(QPaho), CMAKE_PREFIX_PATH=<root>/usr)
#      and builds the README's minimal program (examples/minimal) the same way;
#   3. builds and runs the same consumer with `pkg-config --cflags --libs QPaho`;
#   4. checks that find_package(QPaho <major>) is accepted and QPaho <major + 1> refused
#      (QPahoConfigVersion.cmake: SameMajorVersion).
#
#   cmake -DBUILD_DIR=<built tree> -DSOURCE_DIR=<QPaho source> -DWORK_DIR=<scratch, wiped>
#         -DGENERATOR=<generator> -DLIBDIR=<CMAKE_INSTALL_LIBDIR> -DVERSION=<x.y.z>
#         -DPACKAGES=<a|b|...> [-DBUILD_TYPE=...] [-DCXX_COMPILER=...]
#         [-DCXX_COMPILER_LAUNCHER=...] [-DCXX_FLAGS=...] [-DEXE_LINKER_FLAGS=...]
#         -P run_package_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR LIBDIR VERSION PACKAGES)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "run_package_test.cmake: -D${var}=... is required")
    endif()
endforeach()
string(REPLACE "|" ";" PACKAGES "${PACKAGES}")
string(REGEX MATCH "^[0-9]+" major "${VERSION}")
math(EXPR next_major "${major} + 1")

set(debs "${WORK_DIR}/debs")
set(root "${WORK_DIR}/root")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${debs}" "${root}")

# Runs a step; on failure stops with the command and everything it printed.
function(run_step step)
    string(TIMESTAMP t "%H:%M:%S")
    message(STATUS "${t} ${step}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        list(JOIN ARGN " " command)
        message(FATAL_ERROR "tst_package: ${step} failed (exit ${rc})\n"
            "command: ${command}\n--- stdout ---\n${out}\n--- stderr ---\n${err}")
    endif()
    set(step_output "${out}${err}" PARENT_SCOPE)
endfunction()

# 1. The packages.
set(config_args)
if(BUILD_TYPE)
    set(config_args -C "${BUILD_TYPE}")
endif()
run_step("cpack" cpack -G DEB -B "${debs}" ${config_args} --config "${BUILD_DIR}/CPackConfig.cmake")
foreach(package IN LISTS PACKAGES)
    file(GLOB deb "${debs}/${package}_${VERSION}_*.deb")
    if(NOT deb)
        file(GLOB built RELATIVE "${debs}" "${debs}/*.deb")
        message(FATAL_ERROR "tst_package: no ${package} package; built: ${built}")
    endif()
    run_step("dpkg-deb -f ${package}" dpkg-deb -f "${deb}" Depends)
    string(STRIP "${step_output}" depends_${package})
    message(STATUS "${package}: Depends: ${depends_${package}}")
    run_step("dpkg-deb -x ${package}" dpkg-deb -x "${deb}" "${root}")
endforeach()
file(GLOB built RELATIVE "${debs}" "${debs}/*.deb")
list(LENGTH built built_count)
list(LENGTH PACKAGES expected_count)
if(NOT built_count EQUAL expected_count)
    message(FATAL_ERROR "tst_package: expected the packages ${PACKAGES}, cpack built ${built}")
endif()
# Depends: dpkg-shlibdeps found the library's run-time packages; libqpaho-dev declares what
# building against the headers needs.
foreach(expected "libqpaho${major}:libpaho-mqtt1.3" "libqpaho${major}:libqt6core6"
        "libqpaho-dev:libqpaho${major} (= ${VERSION})" "libqpaho-dev:qt6-base-dev"
        "libqpaho-dev:libpaho-mqtt-dev")
    string(REPLACE ":" ";" expected "${expected}")
    list(GET expected 0 package)
    list(GET expected 1 dependency)
    string(FIND "${depends_${package}}" "${dependency}" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "tst_package: ${package} does not depend on ${dependency}: "
            "${depends_${package}}")
    endif()
endforeach()
set(prefix "${root}/usr")
set(libdir "${prefix}/${LIBDIR}")
foreach(file "${libdir}/libQPaho.so.${major}" "${libdir}/libQPaho.so"
        "${libdir}/cmake/QPaho/QPahoConfigVersion.cmake" "${libdir}/pkgconfig/QPaho.pc"
        "${prefix}/include/QPaho/Client" "${prefix}/include/QPaho/qpahoversion.h"
        "${prefix}/share/doc/libqpaho${major}/copyright" "${prefix}/share/doc/libqpaho-dev/copyright")
    if(NOT EXISTS "${file}")
        message(FATAL_ERROR "tst_package: ${file} is in no package")
    endif()
endforeach()
set(ld_path "${libdir}")
if(DEFINED ENV{LD_LIBRARY_PATH} AND NOT "$ENV{LD_LIBRARY_PATH}" STREQUAL "")
    string(APPEND ld_path ":$ENV{LD_LIBRARY_PATH}")
endif()

# 2. CMake consumers, configured against the root only (no package registry).
set(cmake_args -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
foreach(var BUILD_TYPE CXX_COMPILER CXX_COMPILER_LAUNCHER CXX_FLAGS EXE_LINKER_FLAGS)
    if(${var})
        list(APPEND cmake_args "-DCMAKE_${var}=${${var}}")
    endif()
endforeach()
function(build_with_cmake name source_dir)
    set(build "${WORK_DIR}/${name}")
    run_step("configuring ${name}" "${CMAKE_COMMAND}" -S "${source_dir}" -B "${build}"
        ${cmake_args})
    file(STRINGS "${build}/CMakeCache.txt" qpaho_dir REGEX "^QPaho_DIR:")
    string(REGEX REPLACE "^QPaho_DIR:[A-Z]+=" "" qpaho_dir "${qpaho_dir}")
    string(FIND "${qpaho_dir}" "${libdir}/" at)
    if(NOT at EQUAL 0)
        message(FATAL_ERROR "tst_package: ${name} found QPaho in '${qpaho_dir}', not in ${root}")
    endif()
    run_step("building ${name}" "${CMAKE_COMMAND}" --build "${build}")
endfunction()
build_with_cmake(cmake-consumer "${SOURCE_DIR}/tests/install")
run_step("running the CMake consumer" "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${ld_path}"
    "${WORK_DIR}/cmake-consumer/qpaho_consumer")
if(NOT step_output MATCHES "consumer ok")
    message(FATAL_ERROR "tst_package: the CMake consumer did not say 'consumer ok':\n${step_output}")
endif()
run_step("ldd" "${CMAKE_COMMAND}" -E env "LD_LIBRARY_PATH=${ld_path}" ldd
    "${WORK_DIR}/cmake-consumer/qpaho_consumer")
if(NOT step_output MATCHES "libQPaho\\.so\\.${major} => ${libdir}/")
    message(FATAL_ERROR "tst_package: the consumer does not load libQPaho from ${libdir}:\n"
        "${step_output}")
endif()
build_with_cmake(readme-minimal "${SOURCE_DIR}/examples/minimal")

# 3. The pkg-config consumer, with the packaged QPaho.pc as it is (relocatable: its prefix is
# where the file is), so -I and -L point into the root.
set(pc_env "PKG_CONFIG_PATH=${libdir}/pkgconfig")
run_step("pkg-config" "${CMAKE_COMMAND}" -E env "${pc_env}" pkg-config --cflags --libs QPaho)
string(STRIP "${step_output}" pc_output)
separate_arguments(pc_flags UNIX_COMMAND "${pc_output}")
set(pc_paths)
foreach(flag IN LISTS pc_flags)
    if(flag MATCHES "^-([IL])(.+)$")
        file(REAL_PATH "${CMAKE_MATCH_2}" path)
        list(APPEND pc_paths "-${CMAKE_MATCH_1}${path}")
    endif()
endforeach()
file(REAL_PATH "${prefix}/include" real_include)
file(REAL_PATH "${libdir}" real_libdir)
foreach(flag "-I${real_include}" "-L${real_libdir}")
    if(NOT flag IN_LIST pc_paths)
        message(FATAL_ERROR "tst_package: pkg-config --cflags --libs QPaho lacks ${flag}: "
            "${pc_output}")
    endif()
endforeach()
if(NOT "-lQPaho" IN_LIST pc_flags)
    message(FATAL_ERROR "tst_package: pkg-config --libs QPaho lacks -lQPaho: ${pc_output}")
endif()
run_step("pkg-config --modversion" "${CMAKE_COMMAND}" -E env "${pc_env}" pkg-config
    --modversion QPaho)
string(STRIP "${step_output}" pc_version)
if(NOT pc_version STREQUAL VERSION)
    message(FATAL_ERROR "tst_package: pkg-config says QPaho ${pc_version}, not ${VERSION}")
endif()
if(NOT CXX_COMPILER)
    set(CXX_COMPILER c++)
endif()
separate_arguments(extra_cxx_flags UNIX_COMMAND "${CXX_FLAGS}")
separate_arguments(extra_linker_flags UNIX_COMMAND "${EXE_LINKER_FLAGS}")
# Compile and link in two steps: ccache (the launcher) caches only a compile.
set(pc_cflags ${pc_flags})
list(FILTER pc_cflags INCLUDE REGEX "^-[ID]")
set(pc_libs ${pc_flags})
list(FILTER pc_libs EXCLUDE REGEX "^-[ID]")
run_step("compiling the pkg-config consumer" ${CXX_COMPILER_LAUNCHER} ${CXX_COMPILER} -std=c++17
    ${extra_cxx_flags} ${pc_cflags} -c "${SOURCE_DIR}/tests/install/main.cpp"
    -o "${WORK_DIR}/pkgconfig-consumer.o")
run_step("linking the pkg-config consumer" ${CXX_COMPILER} ${extra_cxx_flags} ${extra_linker_flags}
    "${WORK_DIR}/pkgconfig-consumer.o" -o "${WORK_DIR}/pkgconfig-consumer" ${pc_libs})
run_step("running the pkg-config consumer" "${CMAKE_COMMAND}" -E env
    "LD_LIBRARY_PATH=${ld_path}" "${WORK_DIR}/pkgconfig-consumer")
if(NOT step_output MATCHES "consumer ok")
    message(FATAL_ERROR "tst_package: the pkg-config consumer did not say 'consumer ok':\n"
        "${step_output}")
endif()

# 4. SameMajorVersion: this major is accepted, the next one is refused.
set(probe_args -S "${SOURCE_DIR}/tests/package/version-probe" "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF)
run_step("find_package(QPaho ${major})" "${CMAKE_COMMAND}" ${probe_args}
    -B "${WORK_DIR}/probe-same" "-DREQUEST=${major}")
execute_process(COMMAND "${CMAKE_COMMAND}" ${probe_args} -B "${WORK_DIR}/probe-next"
    "-DREQUEST=${next_major}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(FIND "${out}${err}" "QPahoConfig.cmake, version: ${VERSION}" named)
if(rc EQUAL 0 OR named EQUAL -1)
    message(FATAL_ERROR "tst_package: find_package(QPaho ${next_major}) was not refused "
        "with the installed version ${VERSION} named (exit ${rc}):\n${out}${err}")
endif()
message(STATUS "tst_package: packages ${PACKAGES} built, unpacked and used with CMake and "
    "pkg-config; QPaho ${next_major} refused")
