// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-sub: mosquitto_sub's command line on QPaho (see README, "Command-line tools").
#include "common/connection.h"
#include "common/options.h"
#include "subscriber.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QLoggingCategory>

#include <clocale>
#include <cstdio>

using namespace QPahoCli;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    // paho's own diagnostics would garble the tool's output; -d prints what matters.
    QLoggingCategory::setFilterRules(QStringLiteral("qpaho.*=false"));
    std::setlocale(LC_NUMERIC, "C"); // strtod() in %J's JSON parser, atof() for --random-filter

    QByteArrayList args;
    for (int i = 1; i < argc; ++i)
        args.append(QByteArray(argv[i]));

    Config config;
    switch (parseArguments(Tool::Sub, args, config)) {
    case ParseResult::Help:
        printUsage(Tool::Sub);
        return 1;
    case ParseResult::Version:
        printVersion(Tool::Sub);
        return 1;
    case ParseResult::Error:
        printUsageHint(Tool::Sub);
        return 1;
    case ParseResult::Ok:
        break;
    }
    if (!validateConfig(config)) {
        printUsageHint(Tool::Sub);
        return 1;
    }
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
