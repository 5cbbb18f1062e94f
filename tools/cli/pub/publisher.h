// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-pub's run: connect, publish the message (or each line of stdin, or --repeat times),
// wait until every publish completed its QoS flow, disconnect, report the exit code.
#pragma once

#include "common/options.h"
#include "common/stdinreader.h"

#include <QPaho/Client>

#include <QtCore/QElapsedTimer>
#include <QtCore/QObject>
#include <QtCore/QTimer>

#include <deque>
#include <memory>

namespace QPahoCli {

class Publisher : public QObject
{
    Q_OBJECT
public:
    explicit Publisher(const Config &config, QObject *parent = nullptr);
    ~Publisher() override;

    void start();

Q_SIGNALS:
    // The run is over; the process should exit with exitCode.
    void finished(int exitCode);

private:
    void onConnected(const QPaho::ConnectResult &result);
    void publishPayload(const QByteArray &payload);
    void onPublishFinished(const QPaho::PublishResult &result);
    void publishRepeated();
    void onLines(const QByteArrayList &lines);
    void onInputEnd();
    void maybeDone();
    void finish(int exitCode);
    void printProgress(bool last);

    Config m_config;
    QString m_clientId;
    QPaho::Client m_client;
    std::unique_ptr<StdinLineReader> m_reader;
    std::deque<quint64> m_batchEnds; // publish count at which each stdin batch is complete
    quint64 m_issued = 0;
    quint64 m_completed = 0;
    bool m_inputDone = false;
    bool m_finishing = false;
    QTimer m_repeatTimer;
    QTimer m_progressTimer;
    QElapsedTimer m_elapsed;
};

} // namespace QPahoCli
