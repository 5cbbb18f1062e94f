// A complete QPaho program: connect, subscribe, publish, receive the message back, disconnect.
// Usage: hello-qpaho [broker]   (default "localhost", i.e. tcp://localhost:1883)
#include <QPaho/Client>

#include <QtCore/QCoreApplication>
#include <QtCore/QDebug>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QString broker = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QString("localhost");
    QPaho::Client client;

    // Runs on this thread for every message on hello/qpaho; disconnects after the first.
    client.addMessageHandler("hello/qpaho", &client, [&](const QPaho::Message &message) {
        qInfo() << "Received" << message.payload() << "on" << message.topic();
        client.disconnectFromHost().then(&client, [](const QPaho::Result &) { qApp->quit(); });
    });

    // Errors are values: every future finishes with a result that says what happened.
    client.connectToHost(broker).then(&client, [&](const QPaho::ConnectResult &connected) {
        if (!connected) {
            qWarning() << "Cannot connect:" << connected.errorString();
            qApp->exit(1);
            return;
        }
        client.subscribe("hello/qpaho", 1).then(&client, [&](const QPaho::SubscribeResult &s) {
            if (!s) {
                qWarning() << "Cannot subscribe:" << s.errorString();
                qApp->exit(1);
                return;
            }
            client.publish("hello/qpaho", "Hello from QPaho", 1);
        });
    });
    return app.exec();
}
