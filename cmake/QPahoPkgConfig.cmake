# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# QPaho.pc for `pkg-config --cflags --libs QPaho`, installed with the dev component into
# <libdir>/pkgconfig. It is relocatable: its prefix is found from where the file is
# (${pcfiledir}), so the same file works in /usr (the Debian packages), in any
# `cmake --install --prefix`, and in a package unpacked elsewhere. paho.mqtt.c ships no .pc
# file, so it appears as a plain -l in Libs.private.
file(RELATIVE_PATH qpaho_pc_to_prefix "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" qpaho_pc_to_prefix "${qpaho_pc_to_prefix}")
set(QPAHO_PC_PREFIX "\${pcfiledir}/${qpaho_pc_to_prefix}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/QPaho.pc.in ${PROJECT_BINARY_DIR}/QPaho.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/QPaho.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
