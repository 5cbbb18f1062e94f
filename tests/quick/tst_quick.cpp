// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Qt Quick Test suite for "import QPaho" (tst_*.qml in this directory). The setup object starts
// the brokers once and gives the QML tests a context property "broker" (URLs, log checks,
// restarts) and "peer" (mosquitto_pub, an independent publisher).
#include "common/dynsecbroker.h"

#include <QtQml/QQmlContext>
#include <QtQml/QQmlEngine>
#include <QtQuickTest/quicktest.h>

#include <memory>

using namespace QPahoTest;

// The brokers, as QML sees them.
class Brokers : public QObject
{
    Q_OBJECT
    Q_PROPERTY(QString url READ url CONSTANT) // anonymous mosquitto
    Q_PROPERTY(QString authUrl READ authUrl CONSTANT) // user alice, password "secret"
    Q_PROPERTY(QString dynsecUrl READ dynsecUrl CONSTANT) // bob may subscribe to open/# only
    Q_PROPERTY(QString restartableUrl READ restartableUrl CONSTANT) // for restartBroker()
    Q_PROPERTY(QString closedUrl READ closedUrl CONSTANT) // a port nobody listens on
    Q_PROPERTY(QString error READ error CONSTANT) // why a broker did not start, else empty

public:
    bool start()
    {
        m_main = std::make_unique<Mosquitto>(MosquittoOptions { .persistence = false });
        m_auth = std::make_unique<Mosquitto>(
            MosquittoOptions { .users = { { QStringLiteral("alice"), QStringLiteral("secret") } },
                .persistence = false });
        m_restartable = std::make_unique<Mosquitto>(MosquittoOptions { .persistence = false });
        for (Mosquitto *broker : { m_main.get(), m_auth.get(), m_restartable.get() }) {
            if (!broker->start()) {
                m_error = broker->lastError();
                return false;
            }
        }
        if (!m_dynsec.start()) {
            m_error = m_dynsec.lastError();
            return false;
        }
        m_closedPort = pickFreePorts(1).value(0);
        return true;
    }
    void stop()
    {
        m_main.reset();
        m_auth.reset();
        m_restartable.reset();
    }

    QString url() const { return m_main->tcpUri(); }
    QString authUrl() const { return m_auth->tcpUri(); }
    QString dynsecUrl() const { return m_dynsec.broker()->tcpUri(); }
    QString restartableUrl() const { return m_restartable->tcpUri(); }
    QString closedUrl() const { return QStringLiteral("tcp://127.0.0.1:%1").arg(m_closedPort); }
    QString error() const { return m_error; }
    quint16 port() const { return m_main->port(); }

    // Whether the main broker logged text (e.g. "(p5, c1, k7, u'alice')" for a CONNECT).
    Q_INVOKABLE bool logContains(const QString &text) const
    {
        return m_main->log().contains(text.toUtf8()) || m_auth->log().contains(text.toUtf8());
    }
    // Restarts the broker behind restartableUrl (same port); false if it did not come back.
    Q_INVOKABLE bool restartBroker() { return m_restartable->restart(); }
    // A fresh topic level for each test.
    Q_INVOKABLE QString uniqueTopic(const QString &prefix) const
    {
        return QStringLiteral("quick/%1/%2").arg(prefix, uniqueId());
    }

private:
    std::unique_ptr<Mosquitto> m_main;
    std::unique_ptr<Mosquitto> m_auth;
    std::unique_ptr<Mosquitto> m_restartable;
    DynsecBroker m_dynsec;
    quint16 m_closedPort = 0;
    QString m_error;
};

// mosquitto_pub as a peer of the main broker.
class Peer : public QObject
{
    Q_OBJECT
public:
    explicit Peer(Brokers *brokers) : m_brokers(brokers) { }

    // Publishes each of payloads as one message, in order; returns when mosquitto_pub is done.
    Q_INVOKABLE bool publish(
        const QString &topic, const QStringList &payloads, int qos = 0, bool retain = false)
    {
        QByteArrayList lines;
        for (const QString &payload : payloads)
            lines.append(payload.toUtf8());
        return mosquittoPublish(m_brokers->port(), topic, lines, qos,
            retain ? QStringList { QStringLiteral("-r") } : QStringList());
    }

private:
    Brokers *m_brokers;
};

class Setup : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable()
    {
        if (!m_brokers.start())
            qWarning() << "tst_quick: a broker did not start:" << m_brokers.error();
    }
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        engine->addImportPath(QStringLiteral(QPAHO_BUILD_QML_DIR));
        engine->rootContext()->setContextProperty(QStringLiteral("broker"), &m_brokers);
        engine->rootContext()->setContextProperty(QStringLiteral("peer"), &m_peer);
    }
    void cleanupTestCase() { m_brokers.stop(); }

private:
    Brokers m_brokers;
    Peer m_peer { &m_brokers };
};

QUICK_TEST_MAIN_WITH_SETUP(tst_quick, Setup)

#include "tst_quick.moc"
