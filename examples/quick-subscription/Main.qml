// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Connect to a broker, subscribe to a filter, and watch the messages arrive as rows.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QPaho

ApplicationWindow {
    id: window

    property alias url: urlField.text
    property alias filter: filterField.text

    // Green when connected, amber while (re)connecting, grey otherwise.
    function stateColor(state: int): color {
        switch (state) {
        case MqttClient.Connected:
            return "#2e7d32";
        case MqttClient.Connecting:
        case MqttClient.Reconnecting:
            return "#f9a825";
        default:
            return "#9e9e9e";
        }
    }

    width: 480
    height: 520
    visible: true
    title: qsTr("QPaho: Quick Subscription")

    MqttClient {
        id: mqtt

        url: urlField.text
    }

    MqttSubscription {
        id: subscription

        client: mqtt
        active: false
        maxMessages: 50
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 8

        RowLayout {
            TextField {
                id: urlField

                Layout.fillWidth: true
                text: "tcp://127.0.0.1:1883"
                enabled: mqtt.state === MqttClient.Disconnected
            }
            Button {
                objectName: "connectButton"
                text: mqtt.state === MqttClient.Disconnected ? qsTr("Connect") : qsTr("Disconnect")
                onClicked: {
                    if (mqtt.state === MqttClient.Disconnected)
                        mqtt.connectToHost();
                    else
                        mqtt.disconnectFromHost();
                }
            }
            Rectangle {
                objectName: "statusIndicator"
                implicitWidth: 24
                implicitHeight: 24
                radius: 12
                color: window.stateColor(mqtt.state)
            }
        }
        RowLayout {
            TextField {
                id: filterField

                Layout.fillWidth: true
                text: "qpaho/example/#"
            }
            SpinBox {
                id: qosBox

                from: 0
                to: 2
            }
            Button {
                objectName: "subscribeButton"
                text: subscription.active ? qsTr("Unsubscribe") : qsTr("Subscribe")
                onClicked: {
                    subscription.filter = filterField.text;
                    subscription.qos = qosBox.value;
                    subscription.active = !subscription.active;
                }
            }
        }
        Label {
            id: statusLabel

            Layout.fillWidth: true
            elide: Text.ElideRight
            // The subscription's error first, then the connection's, else what is going on.
            text: {
                if (subscription.state === MqttSubscription.Error)
                    return subscription.errorString;
                if (mqtt.errorString !== "")
                    return mqtt.errorString;
                if (mqtt.state !== MqttClient.Connected)
                    return qsTr("Not connected");
                return qsTr("Connected as %1, %2 messages").arg(mqtt.clientId).arg(subscription.count);
            }
        }
        ListView {
            objectName: "messageList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 4
            model: subscription
            delegate: Rectangle {
                id: row

                required property string topic
                required property string payload
                required property date timestamp

                width: ListView.view.width
                height: 52
                radius: 4
                color: "#e3f2fd"

                Column {
                    anchors.fill: parent
                    anchors.margins: 6
                    Text {
                        text: row.topic
                        font.bold: true
                        font.pixelSize: 16
                        color: "#0d47a1"
                    }
                    Text {
                        text: Qt.formatTime(row.timestamp, "hh:mm:ss") + "  " + row.payload
                        color: "#212121"
                    }
                }
            }
        }
    }
}
