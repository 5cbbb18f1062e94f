// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// This process' own TCP sockets, seen from the outside (/proc/self/fd): which ones a client
// opened to a broker, and their options. Linux only, like the suites using it.
#pragma once

#include <QtCore/QDir>
#include <QtCore/QStringList>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <vector>

namespace QPahoTest {

// The process's TCP sockets connected to 127.0.0.1:port.
inline std::vector<int> socketsConnectedTo(quint16 port)
{
    std::vector<int> fds;
    const QStringList entries = QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files);
    for (const QString &entry : entries) {
        const int fd = entry.toInt();
        sockaddr_in peer {};
        socklen_t length = sizeof peer;
        if (::getpeername(fd, reinterpret_cast<sockaddr *>(&peer), &length) == 0
            && peer.sin_family == AF_INET && ntohs(peer.sin_port) == port
            && peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK))
            fds.push_back(fd);
    }
    return fds;
}

// Whether TCP_NODELAY is on for the TCP socket fd (false on any error).
inline bool hasTcpNoDelay(int fd)
{
    int value = 0;
    socklen_t length = sizeof value;
    return ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &length) == 0 && value != 0;
}

} // namespace QPahoTest
