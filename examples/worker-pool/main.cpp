// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
//
// A pool of worker processes sharing one stream of jobs through an MQTT 5 shared subscription,
// and a producer that feeds it. Start as many workers as you like, on as many machines as you
// like, then the producer:
//
//   qpaho-worker-pool --worker --id worker-1 &
//   qpaho-worker-pool --worker --id worker-2 &
//   qpaho-worker-pool --producer --jobs 10000
//
// Every worker subscribes to "$share/<group>/jobs/#": the broker hands each job (a QoS 1
// message on jobs/<n>) to one member of the group. A worker prints "handled <n>" for every job
// it handled. Its session is persistent (fixed client id, clean start off, session expiry): jobs
// the broker assigned to a worker that crashed wait in its session until it comes back with the
// same --id, and none of them is lost while the broker keeps the session.
//
// Usage:
//   qpaho-worker-pool --worker   [--broker URI] [--id NAME] [--group NAME] [--quiet]
//   qpaho-worker-pool --producer [--broker URI] [--jobs N]
// --broker defaults to tcp://localhost:1883; a comma-separated list is a failover list.

#include <QPaho/Client>
#include <QPaho/ConnectOptions>
#include <QPaho/Message>
#include <QPaho/Topic>

#include <QtCore/QCommandLineParser>
#include <QtCore/QCoreApplication>
#include <QtCore/QElapsedTimer>

#include <cstdio>
#include <memory>

namespace {

void say(const QByteArray &line)
{
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout); // one line per job, visible at once to whoever reads the output
}

int fail(const QString &what)
{
    std::fprintf(stderr, "Error: %s\n", qPrintable(what));
    std::fflush(stderr);
    QCoreApplication::exit(1);
    return 1;
}

QPaho::ConnectOptions brokerOptions(const QString &brokers)
{
    QPaho::ConnectOptions options = QPaho::ConnectOptions::v5();
    options.setServerUris(brokers.split(QLatin1Char(','), Qt::SkipEmptyParts));
    options.setAutomaticReconnect(true);
    options.setRetryInterval(100, 5000);
    return options;
}

// Subscribes to the shared filter and handles each job as it arrives. false: bad arguments.
bool runWorker(QPaho::Client &client, const QString &brokers, const QString &id,
    const QString &group, bool quiet)
{
    const QString filter = QStringLiteral("$share/%1/jobs/#").arg(group);
    const QString problem = QPaho::Topic::filterError(filter);
    if (!problem.isEmpty()) {
        std::fprintf(stderr, "Error: invalid group name \"%s\": %s\n", qPrintable(group),
            qPrintable(problem));
        return false;
    }
    QPaho::ConnectOptions options = brokerOptions(brokers);
    options.setClientId(id);
    options.setCleanSession(false); // resume the session: jobs queued for us while we were away
    options.setSessionExpiryInterval(3600);

    // The handler is registered before connecting: a resumed session delivers its queued jobs
    // right after CONNACK, before any SUBSCRIBE.
    client.addMessageHandler(QStringLiteral("jobs/#"), &client, [quiet](const QPaho::Message &job) {
        // The work itself goes here. This example only reports which job it handled.
        if (!quiet)
            say("handled " + job.payload());
    });
    client.connectToHost(options).then(&client, [&client, filter](const QPaho::ConnectResult &c) {
        if (!c)
            return void(fail(QStringLiteral("cannot connect: ") + c.errorString()));
        client.subscribe(filter, 1).then(
            &client, [&client, filter](const QPaho::SubscribeResult &s) {
                if (!s)
                    return void(fail(
                        QStringLiteral("cannot subscribe to %1: %2").arg(filter, s.errorString())));
                say("ready " + client.clientId().toUtf8());
            });
    });
    return true;
}

// Publishes `jobs` QoS 1 jobs without waiting for each one, and exits when every publish
// future has finished: 0 if the broker acknowledged all of them.
void runProducer(QPaho::Client &client, const QString &brokers, int jobs)
{
    struct Progress
    {
        int finished = 0;
        int failed = 0;
        QString firstError;
        QElapsedTimer timer;
    };
    auto progress = std::make_shared<Progress>();
    client.connectToHost(brokerOptions(brokers))
        .then(&client, [&client, jobs, progress](const QPaho::ConnectResult &c) {
            if (!c)
                return void(fail(QStringLiteral("cannot connect: ") + c.errorString()));
            progress->timer.start();
            for (int i = 0; i < jobs; ++i) {
                const QByteArray n = QByteArray::number(i);
                client.publish(QStringLiteral("jobs/") + QString::fromLatin1(n), n, 1)
                    .then(&client, [jobs, progress](const QPaho::PublishResult &r) {
                        if (!r && progress->failed++ == 0)
                            progress->firstError = r.errorString();
                        if (++progress->finished < jobs)
                            return;
                        const qint64 ms = progress->timer.elapsed();
                        if (progress->failed)
                            return void(
                                fail(QStringLiteral("%1 of %2 jobs were not acknowledged: %3")
                                         .arg(progress->failed)
                                         .arg(jobs)
                                         .arg(progress->firstError)));
                        say(QStringLiteral("published %1 jobs in %2 ms")
                                .arg(jobs)
                                .arg(ms)
                                .toUtf8());
                        QCoreApplication::exit(0);
                    });
            }
        });
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Workers sharing $share/<group>/jobs/#, and a producer of jobs."));
    parser.addHelpOption();
    const QCommandLineOption worker(QStringLiteral("worker"), QStringLiteral("Run as a worker."));
    const QCommandLineOption producer(
        QStringLiteral("producer"), QStringLiteral("Run as the producer."));
    const QCommandLineOption broker(QStringLiteral("broker"),
        QStringLiteral("Broker URI, or a comma-separated failover list."), QStringLiteral("uri"),
        QStringLiteral("tcp://localhost:1883"));
    const QCommandLineOption id(QStringLiteral("id"),
        QStringLiteral("Worker client id; reuse it to resume the worker's session."),
        QStringLiteral("name"));
    const QCommandLineOption group(QStringLiteral("group"),
        QStringLiteral("Shared subscription group."), QStringLiteral("name"),
        QStringLiteral("workers"));
    const QCommandLineOption quiet(
        QStringLiteral("quiet"), QStringLiteral("Worker: do not print a line per job."));
    const QCommandLineOption jobs(QStringLiteral("jobs"),
        QStringLiteral("Producer: number of jobs."), QStringLiteral("n"), QStringLiteral("1000"));
    parser.addOptions({ worker, producer, broker, id, group, quiet, jobs });
    parser.process(app);

    if (parser.isSet(worker) == parser.isSet(producer)) {
        std::fprintf(stderr, "Error: give exactly one of --worker and --producer\n");
        return 2;
    }
    QPaho::Client client;
    if (parser.isSet(worker)) {
        const QString name = parser.isSet(id)
            ? parser.value(id)
            : QStringLiteral("worker-%1").arg(QCoreApplication::applicationPid());
        if (!runWorker(
                client, parser.value(broker), name, parser.value(group), parser.isSet(quiet)))
            return 2;
    } else {
        bool ok = false;
        const int count = parser.value(jobs).toInt(&ok);
        if (!ok || count < 1) {
            std::fprintf(stderr, "Error: --jobs needs a positive number, not \"%s\"\n",
                qPrintable(parser.value(jobs)));
            return 2;
        }
        runProducer(client, parser.value(broker), count);
    }
    return app.exec();
}
