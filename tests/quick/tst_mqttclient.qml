// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// MqttClient: every property, connectToHost()/disconnectFromHost(), publish() with its
// callback, and the errors (bad url, unreachable broker, refused credentials, wildcard publish,
// bad protocol version, lost connection).
import QtQuick
import QtTest
import QPaho

TestCase {
    id: testCase

    name: "MqttClient"

    Component {
        id: clientComponent

        MqttClient {
        }
    }
    Component {
        id: spyComponent

        SignalSpy {
        }
    }
    Component {
        id: subscriptionComponent

        MqttSubscription {
        }
    }

    function makeClient(properties) {
        const client = createTemporaryObject(clientComponent, testCase, properties || {});
        verify(client);
        return client;
    }
    function spyOn(target, signalName) {
        return createTemporaryObject(spyComponent, testCase, { target: target, signalName: signalName });
    }
    function connectClient(client) {
        client.connectToHost();
        tryCompare(client, "state", MqttClient.Connected, 10000);
    }

    function initTestCase() {
        compare(broker.error, "", "brokers started");
    }

    function test_defaults() {
        const client = makeClient();
        compare(client.url, "");
        compare(client.clientId, "");
        compare(client.username, "");
        compare(client.password, "");
        compare(client.protocolVersion, 4);
        compare(client.cleanSession, true);
        compare(client.keepAlive, 60);
        compare(client.autoReconnect, false);
        compare(client.state, MqttClient.Disconnected);
        compare(client.errorString, "");
    }

    function test_propertiesNotify_data() {
        return [
            { tag: "url", property: "url", value: "tcp://example.invalid:1883" },
            { tag: "clientId", property: "clientId", value: "quick-id" },
            { tag: "username", property: "username", value: "alice" },
            { tag: "password", property: "password", value: "secret" },
            { tag: "protocolVersion", property: "protocolVersion", value: 5 },
            { tag: "cleanSession", property: "cleanSession", value: false },
            { tag: "keepAlive", property: "keepAlive", value: 7 },
            { tag: "autoReconnect", property: "autoReconnect", value: true }
        ];
    }
    function test_propertiesNotify(data) {
        const client = makeClient();
        const spy = spyOn(client, data.property + "Changed");
        client[data.property] = data.value;
        compare(client[data.property], data.value);
        compare(spy.count, 1);
        client[data.property] = data.value; // the same value again: no signal
        compare(spy.count, 1);
    }

    function test_connectAndDisconnect() {
        const client = makeClient({ url: broker.url });
        const states = spyOn(client, "stateChanged");
        client.connectToHost();
        compare(client.state, MqttClient.Connecting);
        tryCompare(client, "state", MqttClient.Connected, 10000);
        verify(client.clientId.length > 0, "a generated client id is shown");
        compare(client.errorString, "");
        client.disconnectFromHost();
        tryCompare(client, "state", MqttClient.Disconnected, 10000);
        verify(states.count >= 3, "Connecting, Connected, Disconnecting/Disconnected");
    }

    // The settings reach the broker: mosquitto logs "(p<protocol>, c<clean>, k<keepalive>, u'<user>')".
    function test_settingsReachTheBroker_data() {
        return [
            { tag: "3.1.1", protocolVersion: 4, cleanSession: true, keepAlive: 7, expected: "p2, c1, k7" },
            { tag: "5", protocolVersion: 5, cleanSession: false, keepAlive: 9, expected: "p5, c0, k9" }
        ];
    }
    function test_settingsReachTheBroker(data) {
        const id = broker.uniqueTopic("id").replace(/\//g, "-");
        const client = makeClient({ url: broker.url, clientId: id, protocolVersion: data.protocolVersion,
                                    cleanSession: data.cleanSession, keepAlive: data.keepAlive });
        connectClient(client);
        compare(client.clientId, id);
        verify(broker.logContains(id + " (" + data.expected), "broker log shows " + data.expected);
        client.disconnectFromHost();
        tryCompare(client, "state", MqttClient.Disconnected, 10000);
    }

    function test_credentials() {
        const client = makeClient({ url: broker.authUrl, username: "alice", password: "secret" });
        connectClient(client);
        verify(broker.logContains("u'alice'"));
    }

    function test_refusedCredentials_data() {
        return [
            { tag: "3.1.1", protocolVersion: 4 },
            { tag: "5", protocolVersion: 5 }
        ];
    }
    function test_refusedCredentials(data) {
        const client = makeClient({ url: broker.authUrl, username: "alice", password: "wrong",
                                    protocolVersion: data.protocolVersion });
        const errors = spyOn(client, "errorOccurred");
        client.connectToHost();
        errors.wait(10000);
        compare(errors.count, 1);
        verify(errors.signalArguments[0][0].indexOf("refused") >= 0, errors.signalArguments[0][0]);
        compare(client.errorString, errors.signalArguments[0][0]);
        tryCompare(client, "state", MqttClient.Disconnected, 10000);
    }

    function test_badUrl_data() {
        return [
            { tag: "scheme", url: "foo://127.0.0.1:1883" },
            { tag: "port", url: "tcp://127.0.0.1:99999" },
            { tag: "empty", url: "" }
        ];
    }
    function test_badUrl(data) {
        const client = makeClient({ url: data.url });
        const errors = spyOn(client, "errorOccurred");
        client.connectToHost();
        tryCompare(errors, "count", 1, 5000);
        verify(client.errorString.length > 0);
        compare(client.state, MqttClient.Disconnected);
    }

    function test_unreachableBroker() {
        const client = makeClient({ url: broker.closedUrl });
        const errors = spyOn(client, "errorOccurred");
        client.connectToHost();
        tryCompare(errors, "count", 1, 10000);
        verify(client.errorString.length > 0);
        tryCompare(client, "state", MqttClient.Disconnected, 10000);
    }

    function test_badProtocolVersion() {
        const client = makeClient({ url: broker.url, protocolVersion: 3 });
        const errors = spyOn(client, "errorOccurred");
        client.connectToHost();
        compare(errors.count, 1);
        verify(client.errorString.indexOf("protocolVersion") >= 0, client.errorString);
        compare(client.state, MqttClient.Disconnected);
    }

    function test_publishCallback_data() {
        return [
            { tag: "qos0", qos: 0 },
            { tag: "qos1", qos: 1 },
            { tag: "qos2", qos: 2 }
        ];
    }
    function test_publishCallback(data) {
        const client = makeClient({ url: broker.url });
        connectClient(client);
        const topic = broker.uniqueTopic("pub");
        const sub = createTemporaryObject(subscriptionComponent, testCase,
                                          { client: client, filter: topic, qos: 2 });
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        let outcome = null;
        client.publish(topic, "payload-" + data.qos, data.qos, false, result => outcome = result);
        tryVerify(() => outcome !== null, 10000);
        compare(outcome.ok, true);
        compare(outcome.errorString, "");
        compare(outcome.reasonCode, 0);
        tryCompare(sub, "count", 1, 10000);
        // Without a callback it works too.
        client.publish(topic, "second", data.qos);
        tryCompare(sub, "count", 2, 10000);
    }

    function test_publishErrors_data() {
        return [
            { tag: "wildcard #", topic: "a/#", qos: 0 },
            { tag: "wildcard +", topic: "a/+/b", qos: 1 },
            { tag: "empty topic", topic: "", qos: 0 },
            { tag: "bad qos", topic: "a/b", qos: 3 }
        ];
    }
    function test_publishErrors(data) {
        const client = makeClient({ url: broker.url });
        connectClient(client);
        const errors = spyOn(client, "errorOccurred");
        let outcome = null;
        client.publish(data.topic, "x", data.qos, false, result => outcome = result);
        tryVerify(() => outcome !== null, 5000);
        compare(outcome.ok, false);
        verify(outcome.errorString.length > 0);
        compare(errors.count, 1);
        compare(client.errorString, outcome.errorString);
        compare(client.state, MqttClient.Connected, "a bad publish does not hurt the connection");
    }

    function test_publishWhileDisconnected() {
        const client = makeClient({ url: broker.url });
        let outcome = null;
        client.publish("a/b", "x", 0, false, result => outcome = result);
        tryVerify(() => outcome !== null, 5000);
        compare(outcome.ok, false);
        verify(outcome.errorString.length > 0);
    }

    function test_autoReconnect_data() {
        return [
            { tag: "on", autoReconnect: true },
            { tag: "off", autoReconnect: false }
        ];
    }
    function test_autoReconnect(data) {
        const client = makeClient({ url: broker.restartableUrl, autoReconnect: data.autoReconnect });
        connectClient(client);
        const errors = spyOn(client, "errorOccurred");
        const seen = [];
        client.stateChanged.connect(() => seen.push(client.state));
        verify(broker.restartBroker());
        tryVerify(() => errors.count >= 1, 10000);
        verify(errors.signalArguments[0][0].indexOf("connection lost") >= 0, errors.signalArguments[0][0]);
        if (data.autoReconnect) {
            tryCompare(client, "state", MqttClient.Connected, 15000);
            verify(seen.indexOf(MqttClient.Reconnecting) >= 0, "went through Reconnecting: " + seen);
            compare(client.errorString, "", "a successful reconnect clears the error");
        } else {
            tryCompare(client, "state", MqttClient.Disconnected, 10000);
            verify(seen.indexOf(MqttClient.Reconnecting) < 0, "no Reconnecting: " + seen);
        }
    }
}
