# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# tst_quick_install: installs the built tree into a fresh prefix, checks that the QML module
# landed in <prefix>/<QMLDIR>/QPaho, and runs a QML test that imports it with only
# QML_IMPORT_PATH=<prefix>/<QMLDIR> (no build directory on any path).
#
#   cmake -DQPAHO_BUILD_DIR=... -DWORK_DIR=... -DQMLDIR=lib/<multiarch>/qt6/qml
#         -DQMLTESTRUNNER=... -DTEST_QML=... -P run_quick_install_test.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var QPAHO_BUILD_DIR WORK_DIR QMLDIR QMLTESTRUNNER TEST_QML)
    if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
        message(FATAL_ERROR "run_quick_install_test.cmake: -D${var}=... is required")
    endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

execute_process(COMMAND "${CMAKE_COMMAND}" --install "${QPAHO_BUILD_DIR}" --prefix "${prefix}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}\n${err}")
endif()

set(module "${prefix}/${QMLDIR}/QPaho")
foreach(file qmldir QPahoQuick.qmltypes libqpahoquickplugin.so)
    if(NOT EXISTS "${module}/${file}")
        file(GLOB_RECURSE installed RELATIVE "${prefix}" "${prefix}/*")
        list(JOIN installed "\n  " installed)
        message(FATAL_ERROR "not installed: ${module}/${file}\ninstalled:\n  ${installed}")
    endif()
endforeach()

# Only the installed module: copy the test out of the source tree, run it from the work dir.
configure_file("${TEST_QML}" "${WORK_DIR}/importinstalled.qml" COPYONLY)
execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env "QML_IMPORT_PATH=${prefix}/${QMLDIR}"
        "${QMLTESTRUNNER}" -input "${WORK_DIR}/importinstalled.qml"
    WORKING_DIRECTORY "${WORK_DIR}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "qmltestrunner with QML_IMPORT_PATH=${prefix}/${QMLDIR} failed (${rc})")
endif()
