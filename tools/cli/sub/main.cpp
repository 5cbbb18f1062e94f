// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-sub: mosquitto_sub's command line on QPaho (see README, "Command-line tools").
#include "common/connection.h"
#include "common/options.h"
#include "subscriber.h"

#include <QtCore/QCoreApplication>

#include <cstdio>

using namespace QPahoCli;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Config config;
    if (const int exitCode = loadCommandLine(Tool::Sub, argc, argv, config); exitCode >= 0)
        return exitCode;
    if (config.noRetained && config.retainedOnly) {
        std::fputs("\nError: Combining '-R' and '--retained-only' makes no sense.\n", stderr);
        return 1;
    }
    if (!checkConnectionSettings(config))
        return 1;

    Subscriber subscriber(config);
    TerminationWatcher termination;
    QObject::connect(&termination, &TerminationWatcher::terminationRequested, &subscriber,
        &Subscriber::terminate);
    QObject::connect(&subscriber, &Subscriber::finished, &app,
        [](int exitCode) { QCoreApplication::exit(exitCode); });
    subscriber.start();
    return app.exec();
}
