# The suites: one qpaho_add_test() per tests/tst_<concern>.cpp.
qpaho_add_test(tst_topic LABELS unit TIMEOUT 60)
qpaho_add_test(tst_nodelay LABELS unit broker TIMEOUT 60 INTERNAL
    SOURCES ${PROJECT_SOURCE_DIR}/src/nodelay.cpp LINK eclipse-paho-mqtt-c::paho-mqtt3as)
qpaho_add_test(tst_fixture LABELS broker TIMEOUT 120)
qpaho_add_test(tst_connect LABELS broker TIMEOUT 120)
qpaho_add_test(tst_invalid LABELS broker TIMEOUT 120)
qpaho_add_test(tst_largepayload LABELS broker TIMEOUT 300)
