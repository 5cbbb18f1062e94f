// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#include "common/dynsecbroker.h"

#include <QFile>

using namespace Qt::StringLiterals;

namespace QPahoTest {

namespace {
constexpr int kCtrlTimeout = 10000;
}

QString DynsecBroker::pluginPath()
{
    for (const QString &dir : { u"/usr/lib/x86_64-linux-gnu"_s, u"/usr/lib/aarch64-linux-gnu"_s,
             u"/usr/lib"_s, u"/usr/local/lib"_s }) {
        const QString path = dir + u"/mosquitto_dynamic_security.so"_s;
        if (QFile::exists(path))
            return path;
    }
    return {};
}

bool DynsecBroker::ctrl(const QStringList &args)
{
    const QString program = findProgram(u"mosquitto_ctrl"_s);
    if (program.isEmpty()) {
        m_error = u"mosquitto_ctrl not found (mosquitto-clients package)"_s;
        return false;
    }
    const ProcessResult r = runProcess(program, args, kCtrlTimeout);
    if (r.exitCode != 0) {
        m_error = u"mosquitto_ctrl %1 failed: %2 %3"_s.arg(
            args.join(u' '), QString::fromLocal8Bit(r.stdOut), QString::fromLocal8Bit(r.stdErr));
    }
    return r.exitCode == 0;
}

bool DynsecBroker::start()
{
    const QString plugin = pluginPath();
    if (plugin.isEmpty()) {
        m_error = u"mosquitto_dynamic_security.so not found (mosquitto package)"_s;
        return false;
    }
    m_dir = std::make_unique<QTemporaryDir>();
    if (!m_dir->isValid()) {
        m_error = u"no temporary directory"_s;
        return false;
    }
    // The plugin's JSON is made offline by "dynsec init"; bob and his role are added through
    // the running broker.
    const QString config = m_dir->filePath(u"dynsec.json"_s);
    if (!ctrl({ u"dynsec"_s, u"init"_s, config, u"admin"_s, u"adminpw"_s }))
        return false;
    m_broker = std::make_unique<Mosquitto>(MosquittoOptions {
        .extraConfig = "plugin " + plugin.toUtf8() + "\nplugin_opt_config_file " + config.toUtf8(),
        .persistence = false });
    if (!m_broker->start()) {
        m_error = u"dynsec broker: "_s + m_broker->lastError();
        return false;
    }
    const QStringList admin { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_broker->port()),
        u"-u"_s, u"admin"_s, u"-P"_s, u"adminpw"_s, u"dynsec"_s };
    const QString bob = QString::fromLatin1(user);
    return ctrl(admin
               + QStringList { u"createClient"_s, bob, u"-p"_s, QString::fromLatin1(password) })
        && ctrl(admin + QStringList { u"createRole"_s, u"r1"_s })
        && ctrl(admin
            + QStringList { u"addRoleACL"_s, u"r1"_s, u"subscribePattern"_s, u"open/#"_s,
                u"allow"_s })
        && ctrl(admin + QStringList { u"addClientRole"_s, bob, u"r1"_s });
}

bool mosquittoPublish(quint16 port, const QString &topic, const QByteArrayList &payloads, int qos,
    const QStringList &extraArgs)
{
    const ProcessResult r = runProcess(findProgram(u"mosquitto_pub"_s),
        QStringList { u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(port) } + extraArgs
            + QStringList { u"-t"_s, topic, u"-q"_s, QString::number(qos), u"-l"_s },
        kCtrlTimeout, payloads.join('\n') + '\n');
    if (r.exitCode != 0)
        qWarning() << "mosquitto_pub failed:" << r.stdErr;
    return r.exitCode == 0;
}

} // namespace QPahoTest
