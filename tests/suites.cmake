# The suites: one qpaho_add_test() per tests/tst_<concern>.cpp.
qpaho_add_test(tst_nodelay LABELS unit broker TIMEOUT 60 INTERNAL
    SOURCES ${PROJECT_SOURCE_DIR}/src/nodelay.cpp LINK eclipse-paho-mqtt-c::paho-mqtt3as)
qpaho_add_test(tst_topic LABELS unit TIMEOUT 60)
qpaho_add_test(tst_connect LABELS broker TIMEOUT 120)
qpaho_add_test(tst_invalid LABELS broker TIMEOUT 120)
qpaho_add_test(tst_reconnect LABELS broker TIMEOUT 120)
qpaho_add_test(tst_durability LABELS broker heavy TIMEOUT 240)
qpaho_add_test(tst_faults LABELS broker TIMEOUT 120)
qpaho_add_test(tst_neverhang LABELS broker TIMEOUT 120)
qpaho_add_test(tst_largepayload LABELS broker TIMEOUT 300)
qpaho_add_test(tst_fixture LABELS broker TIMEOUT 120)
qpaho_add_test(tst_pubsub LABELS broker TIMEOUT 120)
qpaho_add_test(tst_handlers LABELS broker TIMEOUT 120)
qpaho_add_test(tst_interop LABELS broker TIMEOUT 120)
qpaho_add_test(tst_conformance LABELS broker interop TIMEOUT 600)
qpaho_add_test(tst_threading LABELS broker TIMEOUT 120)
qpaho_add_test(tst_tls LABELS broker TIMEOUT 120)
qpaho_add_test(tst_mqtt5 LABELS broker TIMEOUT 120)
qpaho_add_test(tst_lifetime LABELS broker TIMEOUT 120)
qpaho_add_test(tst_pahomapping LABELS unit TIMEOUT 60)
qpaho_add_test(tst_logging LABELS broker TIMEOUT 120)
qpaho_add_test(tst_pahowaker LABELS unit broker TIMEOUT 60 INTERNAL
    SOURCES ${PROJECT_SOURCE_DIR}/src/pahowaker.cpp LINK eclipse-paho-mqtt-c::paho-mqtt3as)
# libFuzzer targets, built with clang++ by run_fuzz.sh (g++ has no libFuzzer); only when clang++
# is installed, so the suite still configures without it. tests/fuzz/CMakeLists.txt builds them
# natively (fuzz_*_short) when the whole build uses Clang.
find_program(QPAHO_CLANGXX clang++)
foreach(fuzzer fuzz_topic fuzz_properties)
    if(QPAHO_CLANGXX AND (NOT QPAHO_ONLY_TESTS OR fuzzer IN_LIST QPAHO_ONLY_TESTS))
        add_test(NAME ${fuzzer}
            COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.sh 20 ${fuzzer})
        set_tests_properties(${fuzzer} PROPERTIES LABELS fuzz TIMEOUT 300)
    endif()
endforeach()
# tst_install: installs this build into a temporary prefix, then builds and runs the
# find_package(QPaho) consumer in tests/install against it (see run_install_test.cmake).
if(NOT QPAHO_ONLY_TESTS OR "tst_install" IN_LIST QPAHO_ONLY_TESTS)
    string(REPLACE ";" "|" qpaho_consumer_prefix_path "${CMAKE_PREFIX_PATH}")
    add_test(NAME tst_install COMMAND ${CMAKE_COMMAND}
        "-DQPAHO_BUILD_DIR=${PROJECT_BINARY_DIR}"
        "-DCONSUMER_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/install"
        "-DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/tst_install"
        "-DGENERATOR=${CMAKE_GENERATOR}"
        "-DBUILD_TYPE=${CMAKE_BUILD_TYPE}"
        "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
        "-DCXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}"
        "-DCXX_FLAGS=${CMAKE_CXX_FLAGS}"
        "-DEXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
        "-DEXTRA_PREFIX_PATH=${qpaho_consumer_prefix_path}"
        -P ${CMAKE_CURRENT_SOURCE_DIR}/install/run_install_test.cmake)
    set_tests_properties(tst_install PROPERTIES LABELS unit TIMEOUT 300)
endif()
qpaho_add_test(tst_request LABELS broker TIMEOUT 120)
qpaho_add_test(tst_citizen LABELS broker TIMEOUT 120 INTERNAL LINK eclipse-paho-mqtt-c::paho-mqtt3as)
