// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// MqttSubscription: every property and role, messages from mosquitto_pub arriving as rows,
// maxMessages, clear(), resubscribing when filter/qos/active/client change, and the errors
// (bad filter, bad qos, refused SUBSCRIBE).
import QtQuick
import QtQml.Models
import QtTest
import QPaho

TestCase {
    id: testCase

    name: "MqttSubscription"

    property MqttClient mqtt: null

    Component {
        id: clientComponent

        MqttClient {
        }
    }
    Component {
        id: subscriptionComponent

        MqttSubscription {
        }
    }
    Component {
        id: spyComponent

        SignalSpy {
        }
    }
    // One object per row, holding its roles.
    Component {
        id: rowsComponent

        Instantiator {
            delegate: QtObject {
                required property string topic
                required property string payload
                required property int qos
                required property bool retained
                required property var timestamp
            }
        }
    }

    function makeClient(properties) {
        const client = createTemporaryObject(clientComponent, testCase, properties);
        verify(client);
        client.connectToHost();
        tryCompare(client, "state", MqttClient.Connected, 10000);
        return client;
    }
    function makeSubscription(properties) {
        const sub = createTemporaryObject(subscriptionComponent, testCase, properties);
        verify(sub);
        return sub;
    }
    function spyOn(target, signalName) {
        return createTemporaryObject(spyComponent, testCase, { target: target, signalName: signalName });
    }
    function rowsOf(sub) {
        return createTemporaryObject(rowsComponent, testCase, { model: sub });
    }
    function payloadsOf(sub) {
        const rows = rowsOf(sub);
        const out = [];
        for (let i = 0; i < rows.count; ++i)
            out.push(rows.objectAt(i).payload);
        return out;
    }

    function initTestCase() {
        compare(broker.error, "", "brokers started");
    }
    function init() {
        mqtt = makeClient({ url: broker.url });
    }

    function test_defaults() {
        const sub = makeSubscription({});
        compare(sub.client, null);
        compare(sub.filter, "");
        compare(sub.qos, 0);
        compare(sub.active, true);
        compare(sub.state, MqttSubscription.Unsubscribed);
        compare(sub.errorString, "");
        compare(sub.count, 0);
        compare(sub.maxMessages, 100);
    }

    function test_propertiesNotify_data() {
        return [
            { tag: "filter", property: "filter", value: "a/b" },
            { tag: "qos", property: "qos", value: 1 },
            { tag: "active", property: "active", value: false },
            { tag: "maxMessages", property: "maxMessages", value: 5 }
        ];
    }
    function test_propertiesNotify(data) {
        const sub = makeSubscription({});
        const spy = spyOn(sub, data.property + "Changed");
        sub[data.property] = data.value;
        compare(sub[data.property], data.value);
        compare(spy.count, 1);
        sub[data.property] = data.value;
        compare(spy.count, 1);
    }

    function test_messagesArriveAsRows() {
        const topic = broker.uniqueTopic("rows");
        const sub = makeSubscription({ client: mqtt, filter: topic + "/#", qos: 1 });
        const states = spyOn(sub, "stateChanged");
        const received = spyOn(sub, "messageReceived");
        const counts = spyOn(sub, "countChanged");
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        compare(sub.errorString, "");
        verify(states.count >= 1);

        const before = new Date();
        verify(peer.publish(topic + "/a", ["one", "two", "grüße ✓"], 1));
        tryCompare(sub, "count", 3, 10000);
        compare(counts.count, 3);
        compare(received.count, 3);
        compare(received.signalArguments[0][0], topic + "/a");
        compare(received.signalArguments[0][1], "one");
        compare(payloadsOf(sub), ["one", "two", "grüße ✓"]);

        const rows = rowsOf(sub);
        compare(rows.count, 3);
        const first = rows.objectAt(0);
        compare(first.topic, topic + "/a");
        compare(first.qos, 1);
        compare(first.retained, false);
        verify(first.timestamp instanceof Date, "timestamp is a Date");
        verify(first.timestamp.getTime() >= before.getTime() - 1000, "timestamp is recent");
        verify(first.timestamp.getTime() <= new Date().getTime() + 1000, "timestamp is not ahead");
    }

    function test_qosAndRetainedRoles() {
        const topic = broker.uniqueTopic("retained");
        verify(peer.publish(topic, ["kept"], 1, true));
        const sub = makeSubscription({ client: mqtt, filter: topic, qos: 2 });
        tryCompare(sub, "count", 1, 10000);
        const row = rowsOf(sub).objectAt(0);
        compare(row.retained, true);
        compare(row.qos, 1);
        compare(row.payload, "kept");
        verify(peer.publish(topic, [""], 0, true)); // clear the retained message
    }

    function test_maxMessagesDropsOldest() {
        const topic = broker.uniqueTopic("max");
        const sub = makeSubscription({ client: mqtt, filter: topic, maxMessages: 3 });
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(peer.publish(topic, ["1", "2", "3", "4", "5"], 1));
        tryCompare(sub, "count", 3, 10000);
        tryVerify(() => payloadsOf(sub).join(",") === "3,4,5", 10000, payloadsOf(sub).join(","));
        sub.maxMessages = 1;
        compare(sub.count, 1);
        compare(payloadsOf(sub), ["5"]);
        sub.maxMessages = 0; // no limit
        verify(peer.publish(topic, ["6", "7"], 1));
        tryCompare(sub, "count", 3, 10000);
    }

    function test_clear() {
        const topic = broker.uniqueTopic("clear");
        const sub = makeSubscription({ client: mqtt, filter: topic });
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(peer.publish(topic, ["a", "b"]));
        tryCompare(sub, "count", 2, 10000);
        const counts = spyOn(sub, "countChanged");
        sub.clear();
        compare(sub.count, 0);
        compare(counts.count, 1);
        compare(sub.state, MqttSubscription.Subscribed, "clear() keeps the subscription");
    }

    function test_changingFilterResubscribes() {
        const topic = broker.uniqueTopic("filter");
        const sub = makeSubscription({ client: mqtt, filter: topic + "/old" });
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        const seen = [];
        sub.stateChanged.connect(() => seen.push(sub.state));
        sub.filter = topic + "/new";
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(seen.indexOf(MqttSubscription.Pending) >= 0, "went through Pending: " + seen);
        // QoS 1: "old" is routed before "new" is published, so a wrongly delivered "old"
        // would arrive first on the client's one connection.
        verify(peer.publish(topic + "/old", ["old"], 1));
        verify(peer.publish(topic + "/new", ["new"], 1));
        tryCompare(sub, "count", 1, 10000);
        compare(payloadsOf(sub), ["new"]);
    }

    function test_changingQosResubscribes() {
        const topic = broker.uniqueTopic("qos");
        const sub = makeSubscription({ client: mqtt, filter: topic, qos: 0 });
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        sub.qos = 2;
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(peer.publish(topic, ["q2"], 2));
        tryCompare(sub, "count", 1, 10000);
        compare(rowsOf(sub).objectAt(0).qos, 2);
    }

    function test_activeTogglesSubscription() {
        const topic = broker.uniqueTopic("active");
        const sub = makeSubscription({ client: mqtt, filter: topic, active: false });
        compare(sub.state, MqttSubscription.Unsubscribed);
        verify(peer.publish(topic, ["while inactive"], 1));
        sub.active = true;
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(peer.publish(topic, ["active"], 1));
        tryCompare(sub, "count", 1, 10000);
        sub.active = false;
        compare(sub.state, MqttSubscription.Unsubscribed);
        // Publish only once the broker has the UNSUBSCRIBE.
        tryVerify(() => broker.logContains("Received UNSUBSCRIBE from " + mqtt.clientId), 10000);
        verify(peer.publish(topic, ["inactive again"], 1));
        sub.active = true;
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(peer.publish(topic, ["back"], 1));
        tryCompare(sub, "count", 2, 10000);
        compare(payloadsOf(sub), ["active", "back"]);
    }

    function test_clientChange() {
        const topic = broker.uniqueTopic("client");
        const sub = makeSubscription({ filter: topic });
        compare(sub.state, MqttSubscription.Unsubscribed, "no client: nothing to do");
        sub.client = mqtt;
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        sub.client = null;
        compare(sub.state, MqttSubscription.Unsubscribed);
    }

    function test_subscribedWhenClientConnectsLater() {
        const topic = broker.uniqueTopic("later");
        const client = createTemporaryObject(clientComponent, testCase, { url: broker.url });
        const sub = makeSubscription({ client: client, filter: topic });
        compare(sub.state, MqttSubscription.Pending);
        client.connectToHost();
        tryCompare(sub, "state", MqttSubscription.Subscribed, 10000);
        verify(peer.publish(topic, ["hello"]));
        tryCompare(sub, "count", 1, 10000);
    }

    function test_badFilter_data() {
        return [
            { tag: "# not last", filter: "a/#/b" },
            { tag: "+ inside a level", filter: "a+/b" }
        ];
    }
    function test_badFilter(data) {
        const sub = makeSubscription({ client: mqtt, filter: data.filter });
        compare(sub.state, MqttSubscription.Error);
        verify(sub.errorString.length > 0);
    }

    function test_badQos() {
        const sub = makeSubscription({ client: mqtt, filter: "a/b", qos: 3 });
        compare(sub.state, MqttSubscription.Error);
        verify(sub.errorString.indexOf("qos") >= 0, sub.errorString);
    }

    function test_refusedSubscription() {
        const client = makeClient({ url: broker.dynsecUrl, username: "bob", password: "hunter2" });
        const refused = makeSubscription({ client: client, filter: "closed/x" });
        tryCompare(refused, "state", MqttSubscription.Error, 10000);
        verify(refused.errorString.indexOf("refused") >= 0, refused.errorString);
        const allowed = makeSubscription({ client: client, filter: "open/x" });
        tryCompare(allowed, "state", MqttSubscription.Subscribed, 10000);
    }
}
