# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# API documentation with Doxygen: `cmake --build <dir> --target docs` writes
# <dir>/docs/html/index.html. Input: README.md as the main page, the pages in docs/api/ (and the
# interop and benchmark pages the README links to), every header in include/QPaho/ and the
# generated qpahoversion.h. Warnings are errors, so the ctest case "docs" fails on an
# undocumented public symbol or a broken doc comment.
#
# Qt classes link to doc.qt.io: Debian ships no Qt tag or index files, so a small tag file is
# generated here from the class headers of the Qt modules this build found (QtCore/QObject ->
# https://doc.qt.io/qt-6/qobject.html).
find_package(Doxygen QUIET)
qpaho_optional_part(docs DOXYGEN_FOUND "API documentation with Doxygen (target docs, ctest docs)")
if(NOT DOXYGEN_FOUND)
    return()
endif()

set(QPAHO_DOCS_DIR "${PROJECT_BINARY_DIR}/docs")
set(QPAHO_QT_TAGFILE "${QPAHO_DOCS_DIR}/qt6.tag")

# The Qt tag file: one compound per class header (QtCore/QFuture, QtNetwork/QSslSocket, ...).
get_target_property(qpaho_qtcore_includes Qt6::Core INTERFACE_INCLUDE_DIRECTORIES)
set(qpaho_qt_classes)
foreach(dir IN LISTS qpaho_qtcore_includes)
    if(dir MATCHES "/QtCore$")
        get_filename_component(qpaho_qt_include_root "${dir}" DIRECTORY)
        foreach(module QtCore QtNetwork QtGui QtQml QtQuick QtWidgets QtTest)
            file(GLOB headers RELATIVE "${qpaho_qt_include_root}/${module}"
                "${qpaho_qt_include_root}/${module}/Q*")
            list(APPEND qpaho_qt_classes ${headers})
        endforeach()
    endif()
endforeach()
list(FILTER qpaho_qt_classes INCLUDE REGEX "^Q[A-Z][A-Za-z0-9]*$")
list(FILTER qpaho_qt_classes EXCLUDE REGEX "^Qt")
list(REMOVE_DUPLICATES qpaho_qt_classes)
list(SORT qpaho_qt_classes)
set(tag "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<tagfile>\n")
foreach(class IN LISTS qpaho_qt_classes)
    string(TOLOWER "${class}" page)
    string(APPEND tag "  <compound kind=\"class\">\n    <name>${class}</name>\n"
        "    <filename>${page}.html</filename>\n  </compound>\n")
endforeach()
string(APPEND tag "</tagfile>\n")
file(CONFIGURE OUTPUT "${QPAHO_QT_TAGFILE}" CONTENT "${tag}" @ONLY)

set(QPAHO_DOXYGEN_INPUT
    "\"${PROJECT_SOURCE_DIR}/README.md\" \"${PROJECT_SOURCE_DIR}/docs/api\" \
\"${PROJECT_SOURCE_DIR}/docs/interop.md\" \"${PROJECT_SOURCE_DIR}/docs/paho-resend-loop.md\" \
\"${PROJECT_SOURCE_DIR}/docs/paho-workarounds.md\" \"${PROJECT_SOURCE_DIR}/docs/architecture.md\" \"${PROJECT_SOURCE_DIR}/bench/README.md\" \
\"${PROJECT_SOURCE_DIR}/include/QPaho\" \"${PROJECT_BINARY_DIR}/include/QPaho/qpahoversion.h\"")
configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${QPAHO_DOCS_DIR}/Doxyfile @ONLY)

add_custom_target(docs
    COMMAND Doxygen::doxygen "${QPAHO_DOCS_DIR}/Doxyfile"
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    COMMENT "API documentation: ${QPAHO_DOCS_DIR}/html/index.html"
    VERBATIM)

if(QPAHO_BUILD_TESTS AND (NOT QPAHO_ONLY_TESTS OR "docs" IN_LIST QPAHO_ONLY_TESTS))
    add_test(NAME docs COMMAND Doxygen::doxygen "${QPAHO_DOCS_DIR}/Doxyfile"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    set_tests_properties(docs PROPERTIES LABELS docs TIMEOUT 120)
endif()
