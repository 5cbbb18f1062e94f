// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// Connect to a broker and publish what you type; the callback shows how each publish ended.
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import QPaho

ApplicationWindow {
    id: window

    width: 480
    height: 300
    visible: true
    title: qsTr("QPaho: Quick Publication")

    MqttClient {
        id: mqtt

        url: urlField.text
        onErrorOccurred: errorString => resultLabel.text = errorString
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
                text: mqtt.state === MqttClient.Disconnected ? qsTr("Connect") : qsTr("Disconnect")
                onClicked: {
                    if (mqtt.state === MqttClient.Disconnected)
                        mqtt.connectToHost();
                    else
                        mqtt.disconnectFromHost();
                }
            }
        }
        GridLayout {
            columns: 2
            Label {
                text: qsTr("Topic")
            }
            TextField {
                id: topicField

                Layout.fillWidth: true
                text: "qpaho/example/hello"
            }
            Label {
                text: qsTr("Payload")
            }
            TextField {
                id: payloadField

                Layout.fillWidth: true
                text: qsTr("Hello from QML")
            }
            Label {
                text: qsTr("QoS")
            }
            RowLayout {
                SpinBox {
                    id: qosBox

                    from: 0
                    to: 2
                }
                CheckBox {
                    id: retainBox

                    text: qsTr("Retain")
                }
            }
        }
        Button {
            text: qsTr("Publish")
            enabled: mqtt.state === MqttClient.Connected
            onClicked: mqtt.publish(topicField.text, payloadField.text, qosBox.value, retainBox.checked,
                                    result => resultLabel.text = result.ok ? qsTr("Published") : result.errorString)
        }
        Label {
            id: resultLabel

            Layout.fillWidth: true
            wrapMode: Text.Wrap
        }
        Item {
            Layout.fillHeight: true
        }
    }
}
