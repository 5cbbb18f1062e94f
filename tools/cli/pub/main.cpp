// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// qpaho-pub: mosquitto_pub's command line on QPaho (see README, "Command-line tools").
#include "common/connection.h"
#include "common/options.h"
#include "publisher.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>

#include <cstdio>

using namespace QPahoCli;

namespace {

// -s: all of stdin is the message.
bool loadStdin(Config &config)
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return false;
    config.message = in.readAll();
    if (config.message.isEmpty()) {
        errorLine(config, "Error: Zero length input.\n");
        return false;
    }
    return true;
}

// -f: the file's contents are the message (an empty file is an empty message).
bool loadFile(Config &config)
{
    QFile file(config.file);
    if (!file.open(QIODevice::ReadOnly)) {
        errorLine(config, "Error: Unable to open file \"" + config.file.toLocal8Bit() + "\".\n");
        return false;
    }
    config.message = file.readAll();
    return true;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    Config config;
    if (const int exitCode = loadCommandLine(Tool::Pub, argc, argv, config); exitCode >= 0)
        return exitCode;
    if (config.pubMode == PubMode::StdinFile && !loadStdin(config)) {
        errorLine(config, "Error loading input from stdin.\n");
        return 1;
    }
    if (config.pubMode == PubMode::File && !loadFile(config)) {
        errorLine(config, "Error loading input file \"" + config.file.toLocal8Bit() + "\".\n");
        return 1;
    }
    if (!config.topicSet || config.pubMode == PubMode::None) {
        std::fputs("Error: Both topic and message must be supplied.\n", stderr);
        printUsage(Tool::Pub);
        return 1;
    }
    if (!checkConnectionSettings(config))
        return 1;

    Publisher publisher(config);
    TerminationWatcher termination;
    QObject::connect(&termination, &TerminationWatcher::terminationRequested, &app,
        [] { QCoreApplication::exit(1); });
    QObject::connect(&publisher, &Publisher::finished, &app,
        [](int exitCode) { QCoreApplication::exit(exitCode); });
    publisher.start();
    return app.exec();
}
