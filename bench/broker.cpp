// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "broker.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QFile>
#include <QtCore/QStandardPaths>
#include <QtCore/QStringList>
#include <QtCore/QThread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace bench {

Broker::Broker() = default;

Broker::~Broker()
{
    stop();
}

int Broker::freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0
        && ::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

QString Broker::logPath() const
{
    return dir_.filePath(QStringLiteral("mosquitto.log"));
}

bool Broker::start(QString *error)
{
    auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        stop();
        return false;
    };
    if (!dir_.isValid())
        return fail(QStringLiteral("cannot create a temporary directory"));
    const QString exe = QStandardPaths::findExecutable(QStringLiteral("mosquitto"),
        { QStringLiteral("/usr/sbin"), QStringLiteral("/usr/local/sbin"),
            QStringLiteral("/usr/bin") });
    if (exe.isEmpty())
        return fail(QStringLiteral("mosquitto not found (apt-get install mosquitto)"));
    port_ = freePort();
    if (port_ == 0)
        return fail(QStringLiteral("no free port"));

    // Comments only on their own lines: mosquitto reads "x  # y" as the value "x  # y".
    const QString conf
        = QStringLiteral("# as root mosquitto would drop to user mosquitto and lose the log\n"
                         "user root\n"
                         "listener %1 127.0.0.1\n"
                         "allow_anonymous true\n"
                         "set_tcp_nodelay true\n"
                         "# 0 = unlimited; the default 20 silently loses v3.1.1 QoS 2 bursts\n"
                         "max_inflight_messages 0\n"
                         "max_queued_messages 10000000\n"
                         "persistence false\n"
                         "log_dest file %2\n"
                         "log_type error\n"
                         "log_type warning\n"
                         "log_type notice\n"
                         "# the \"running\" line is information\n"
                         "log_type information\n"
                         "connection_messages false\n")
              .arg(port_)
              .arg(logPath());
    QFile f(dir_.filePath(QStringLiteral("mosquitto.conf")));
    if (!f.open(QIODevice::WriteOnly) || f.write(conf.toUtf8()) < 0)
        return fail(QStringLiteral("cannot write mosquitto.conf"));
    f.close();

    process_ = std::make_unique<QProcess>();
    process_->setProgram(exe);
    process_->setArguments({ QStringLiteral("-c"), f.fileName() });
    // Only "should not be run as root" goes there; the real log is log_dest file.
    process_->setProcessChannelMode(QProcess::MergedChannels);
    process_->setStandardOutputFile(dir_.filePath(QStringLiteral("stdout.log")));
    process_->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    // mosquitto copies every message into a fresh buffer. With glibc's default (dynamic) trim
    // and mmap thresholds it either returns those pages to the kernel and faults them back in
    // for every large message, or not, depending on what it happened to free earlier in the
    // run: the same client measured 3k or 7k msg/s at 256 KiB. Fixed thresholds keep the
    // broker in its fast mode for every client alike, so the clients are what is measured.
    // QPAHO_BENCH_BROKER_MALLOC=default runs it with glibc's defaults.
    if (qgetenv("QPAHO_BENCH_BROKER_MALLOC") != "default") {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("GLIBC_TUNABLES"), QString::fromLatin1(kBrokerMallocTunables));
        process_->setProcessEnvironment(env);
    }
    process_->start();
    if (!process_->waitForStarted(5000))
        return fail(QStringLiteral("mosquitto did not start: ") + process_->errorString());

    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 5000) {
        QFile log(logPath());
        if (log.open(QIODevice::ReadOnly) && log.readAll().contains(" running"))
            return true;
        if (process_->state() == QProcess::NotRunning)
            return fail(QStringLiteral("mosquitto exited: ") + logTail());
        QThread::msleep(5);
    }
    return fail(QStringLiteral("mosquitto not running after 5 s: ") + logTail());
}

void Broker::stop()
{
    if (!process_)
        return;
    if (process_->state() != QProcess::NotRunning) {
        process_->terminate();
        if (!process_->waitForFinished(3000)) {
            process_->kill();
            process_->waitForFinished(3000);
        }
    }
    process_.reset();
}

bool Broker::isRunning() const
{
    return process_ && process_->state() == QProcess::Running;
}

qint64 Broker::pid() const
{
    return process_ ? process_->processId() : 0;
}

double Broker::cpuSeconds() const
{
    const qint64 p = pid();
    if (p <= 0)
        return 0;
    QFile f(QStringLiteral("/proc/%1/stat").arg(p));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QByteArray s = f.readAll();
    // Fields after the ")" that ends comm: state is field 3, utime 14, stime 15.
    const QList<QByteArray> fields = s.mid(s.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return 0;
    const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return (fields[11].toDouble() + fields[12].toDouble()) / ticks;
}

QString Broker::logTail(int lines) const
{
    QFile log(logPath());
    if (!log.open(QIODevice::ReadOnly))
        return QString();
    QList<QByteArray> all = log.readAll().split('\n');
    if (all.size() > lines)
        all = all.mid(all.size() - lines);
    return QString::fromUtf8(all.join('\n'));
}

} // namespace bench
