// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
//  W A R N I N G
//  -------------
// This file is not part of the QPaho API. It may change or disappear without notice.
#ifndef QPAHO_PAHOCLIENTSESSION_P_H
#define QPAHO_PAHOCLIENTSESSION_P_H

// The real PahoSession: one MQTTAsync handle and its Bridge. Owns what paho's options point to
// for as long as paho may read it, and applies the workarounds (waker, TCP_NODELAY, reaper,
// quarantine) at the one place each belongs. Requests go out here (pahorequests.cpp), connect
// options are built in pahoconnect.cpp. Owner thread only; must not decide anything the core
// decides (what to send, when to retry, how a request ends).

#include "paho/bridge_p.h"
#include "paho/nodelay_p.h"
#include "paho/pahosession_p.h"

#include <QtCore/QByteArray>
#include <QtCore/QList>

#include <memory>
#include <vector>

namespace QPaho::Internal {

/*! The strings paho's connect options point to (paho keeps httpHeaders by pointer). */
struct ConnectStrings
{
    QByteArray username, password, willTopic, willPayload, caFile, caPath, certFile, keyFile,
        keyPassword, ciphers, alpn, httpProxy, httpsProxy;
    QList<QByteArray> uris;
    std::vector<const char *> uriPointers;
    QList<QPair<QByteArray, QByteArray>> headers;
    std::vector<MQTTAsync_nameValue> headerPointers;
};

class PahoClientSession final : public PahoSession
{
public:
    explicit PahoClientSession(QObject *owner);
    ~PahoClientSession() override;

    bool hasHandle() const override { return m_handle != nullptr; }
    HandleOutcome ensureHandle(const HandleSettings &settings) override;
    QSet<int> takeRestoredTokens() override;
    bool destroyHandle() override;
    void parkHandle() override;

    int connect(const ConnectAttempt &attempt) override;
    int disconnect(
        quint64 requestId, int reasonCode, const Properties &properties, bool mqtt5) override;
    int publish(quint64 requestId, const Message &message, bool mqtt5) override;
    int subscribe(quint64 requestId, const QList<QPair<QString, SubscribeOptions>> &subscriptions,
        bool mqtt5) override;
    int unsubscribe(quint64 requestId, const QStringList &filters, const Properties &properties,
        bool mqtt5) override;

    void takeEvents(std::vector<BridgeEvent> &out) override;
    quint64 takeDroppedCount() override;

    void connectAttemptEnded() override;
    void largeWritePending(qint64 bytes) override;
    void kickStalled() override;
    void connected(const QString &serverUri, const ConnectOptions &options) override;
    void connectionDown() override;

private:
    /*! Creates the handle for \a settings (the waker reference is taken already). */
    bool createHandle(const HandleSettings &settings);
    /*! Builds paho's connect options for \a attempt into \a out (pahoconnect.cpp). */
    struct ConnectScratch;
    void fillConnectOptions(
        const ConnectAttempt &attempt, MQTTAsync_connectOptions &out, ConnectScratch &scratch);

    QObject *const m_owner;
    MQTTAsync m_handle = nullptr;
    std::unique_ptr<Bridge> m_bridge;
    QString m_identity; // HandleSettings::identity() of m_handle
    QByteArray m_persistenceDir; // kept alive for paho's persistence context
    ConnectStrings m_strings;
    QSet<int> m_restoredTokens;
    NoDelayTracker m_noDelay;
    // Bumped at every connect and connection end: a TCP_NODELAY lookup that finishes after
    // its connection ended applies to nothing.
    quint64 m_connectionGeneration = 0;
    bool m_connectWaking = false; // holds a PahoWaker::connectStarted()
    // Streams publish to few topics: the last UTF-8 conversion is reused.
    QString m_lastPublishTopic;
    QByteArray m_lastPublishTopicUtf8;
};

} // namespace QPaho::Internal

#endif // QPAHO_PAHOCLIENTSESSION_P_H
