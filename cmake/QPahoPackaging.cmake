# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Debian packages, one per install component (`cpack -G DEB` in the build directory):
#   runtime -> libqpaho<major>    the shared library
#   dev     -> libqpaho-dev       headers, CMake package, QPaho.pc, the libQPaho.so link
#   tools   -> qpaho-tools        the command-line tools
#   qml     -> qml6-module-qpaho  the QML module
# A component with nothing installed in this build (its optional part is off) gets no package.
# Include this last in the top-level CMakeLists.txt, after every install() rule.
set(CPACK_PACKAGE_NAME qpaho)
set(CPACK_PACKAGE_VENDOR "QPaho")
# The Maintainer field; a distributor sets their own with -DCPACK_PACKAGE_CONTACT=...
if(NOT DEFINED CPACK_PACKAGE_CONTACT)
    set(CPACK_PACKAGE_CONTACT "QPaho maintainers <qpaho@localhost>")
endif()
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build/" "/\\\\.git" "/\\\\.cache/")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Run-time dependencies from the ELF files (dpkg-shlibdeps, from dpkg-dev), and a shlibs
# file for libqpaho so that packages built against it depend on it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The tools and the QML plugin link libQPaho.so.<major> from the runtime package built in the
# same run: dpkg-shlibdeps runs in each component's staging directory, so point it at the
# runtime component's one beside it (the dependency itself comes from the component
# dependencies below).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    "../runtime${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "libqpaho${PROJECT_VERSION_MAJOR}")
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "${PROJECT_DESCRIPTION} (shared library)")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libqpaho-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DESCRIPTION
    "${PROJECT_DESCRIPTION} (headers, CMake package QPaho, pkg-config QPaho)")
set(CPACK_COMPONENT_DEV_DEPENDS runtime)
# What building against the headers and the CMake package needs (not found by shlibdeps).
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "qt6-base-dev (>= 6.4), libpaho-mqtt-dev (>= 1.3)")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME qpaho-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION net)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION "${PROJECT_DESCRIPTION} (command-line tools)")
set(CPACK_COMPONENT_TOOLS_DEPENDS runtime)

set(CPACK_DEBIAN_QML_PACKAGE_NAME qml6-module-qpaho)
set(CPACK_COMPONENT_QML_DESCRIPTION "${PROJECT_DESCRIPTION} (QML module QPaho)")
set(CPACK_COMPONENT_QML_DEPENDS runtime)

# Only the components that have install rules in this build become packages.
get_cmake_property(qpaho_installed_components COMPONENTS)
set(CPACK_COMPONENTS_ALL)
foreach(component runtime dev tools qml)
    if(component IN_LIST qpaho_installed_components)
        list(APPEND CPACK_COMPONENTS_ALL ${component})
    endif()
endforeach()
list(REMOVE_ITEM qpaho_installed_components ${CPACK_COMPONENTS_ALL})
if(qpaho_installed_components)
    message(AUTHOR_WARNING "QPaho: install components without a Debian package: "
        "${qpaho_installed_components} (add them to cmake/QPahoPackaging.cmake)")
endif()

# Debian wants the licence in /usr/share/doc/<package>/copyright of every package.
foreach(component IN LISTS CPACK_COMPONENTS_ALL)
    string(TOUPPER "${component}" upper)
    install(FILES "${PROJECT_SOURCE_DIR}/LICENSE"
        DESTINATION "${CMAKE_INSTALL_DATAROOTDIR}/doc/${CPACK_DEBIAN_${upper}_PACKAGE_NAME}"
        RENAME copyright COMPONENT ${component})
endforeach()

include(CPack)

# ctest tst_package (label package): builds these packages, unpacks them into a temporary root
# and builds consumers against it (tests/package/run_package_test.cmake).
find_program(QPAHO_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(QPAHO_PKG_CONFIG pkg-config)
if(QPAHO_DPKG_SHLIBDEPS AND QPAHO_PKG_CONFIG)
    set(qpaho_packaging_tools TRUE)
else()
    set(qpaho_packaging_tools FALSE)
endif()
qpaho_optional_part(packages qpaho_packaging_tools
    "Debian packages with cpack -G DEB and their test (needs dpkg-dev and pkg-config)")
if(qpaho_packaging_tools AND QPAHO_BUILD_TESTS
        AND (NOT QPAHO_ONLY_TESTS OR "tst_package" IN_LIST QPAHO_ONLY_TESTS))
    set(qpaho_package_names)
    foreach(component IN LISTS CPACK_COMPONENTS_ALL)
        string(TOUPPER "${component}" component)
        list(APPEND qpaho_package_names "${CPACK_DEBIAN_${component}_PACKAGE_NAME}")
    endforeach()
    list(JOIN qpaho_package_names "|" qpaho_package_names)
    add_test(NAME tst_package COMMAND ${CMAKE_COMMAND}
        "-DBUILD_DIR=${PROJECT_BINARY_DIR}"
        "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
        "-DWORK_DIR=${PROJECT_BINARY_DIR}/tests/tst_package"
        "-DGENERATOR=${CMAKE_GENERATOR}"
        "-DLIBDIR=${CMAKE_INSTALL_LIBDIR}"
        "-DVERSION=${PROJECT_VERSION}"
        "-DPACKAGES=${qpaho_package_names}"
        "-DBUILD_TYPE=${CMAKE_BUILD_TYPE}"
        "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
        "-DCXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}"
        "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
        "-DEXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
        -P ${PROJECT_SOURCE_DIR}/tests/package/run_package_test.cmake)
    set_tests_properties(tst_package PROPERTIES LABELS package TIMEOUT 300)
endif()
