# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# QPaho.pc for `pkg-config --cflags --libs QPaho`, installed with the dev component into
# <libdir>/pkgconfig. Its prefix is the one used at install time (cmake --install --prefix, or
# /usr for the Debian packages), so the file is written when installing, not when configuring.
# paho.mqtt.c ships no .pc file, so it appears as a plain -l in Libs.private.
set(QPAHO_PC_PREFIX "@QPAHO_PC_PREFIX@") # kept for the install-time pass
configure_file(${CMAKE_CURRENT_LIST_DIR}/QPaho.pc.in ${PROJECT_BINARY_DIR}/QPaho.pc.in @ONLY)
install(CODE "
    set(QPAHO_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
    set(qpaho_pc \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig/QPaho.pc\")
    message(STATUS \"Installing: \${qpaho_pc}\")
    configure_file(\"${PROJECT_BINARY_DIR}/QPaho.pc.in\" \"\${qpaho_pc}\" @ONLY)
" COMPONENT dev)
