// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// A private mosquitto for the benchmark: 127.0.0.1 on a free port, config and log in a
// QTemporaryDir, killed with SIGKILL if the bench dies (PR_SET_PDEATHSIG).
#pragma once

#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>

#include <memory>

namespace bench {

// glibc malloc settings the broker runs with (see Broker::start()).
inline constexpr const char kBrokerMallocTunables[]
    = "glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=33554432";

class Broker
{
public:
    Broker();
    ~Broker();
    Broker(const Broker &) = delete;
    Broker &operator=(const Broker &) = delete;

    // Starts mosquitto and waits (at most 5 s) until its log says it is running.
    bool start(QString *error);
    void stop(); // SIGTERM, then SIGKILL after 3 s
    bool isRunning() const;

    int port() const { return port_; }
    qint64 pid() const;
    double cpuSeconds() const; // user + system CPU of the broker process so far
    QString logPath() const;
    QString logTail(int lines = 20) const;

private:
    static int freePort();
    QTemporaryDir dir_;
    std::unique_ptr<QProcess> process_;
    int port_ = 0;
};

} // namespace bench
