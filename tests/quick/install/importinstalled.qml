// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Loaded by qmltestrunner from an installed prefix: "import QPaho" must resolve through
// QML_IMPORT_PATH alone, and its types must be creatable.
import QtQuick
import QtTest
import QPaho

TestCase {
    name: "InstalledQPaho"

    MqttClient {
        id: client
    }
    MqttSubscription {
        id: subscription

        client: client
        filter: "installed/#"
    }

    function test_typesAreUsable() {
        compare(client.state, MqttClient.Disconnected);
        compare(client.protocolVersion, 4);
        compare(subscription.state, MqttSubscription.Pending);
        compare(subscription.count, 0);
    }
}
