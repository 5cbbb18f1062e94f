# The suites: one qpaho_add_test() per tests/tst_<concern>.cpp.
qpaho_add_test(tst_nodelay LABELS unit broker TIMEOUT 60 INTERNAL
    SOURCES ${PROJECT_SOURCE_DIR}/src/paho/nodelay.cpp LINK eclipse-paho-mqtt-c::paho-mqtt3as)
qpaho_add_test(tst_topic LABELS unit TIMEOUT 60)
# The broker suites with the default set-up: labelled broker, 120 s each.
foreach(suite
    tst_connect tst_invalid tst_reconnect tst_fixture tst_pubsub
    tst_handlers tst_interop tst_threading tst_tls tst_mqtt5 tst_lifetime tst_logging tst_request)
    qpaho_add_test(${suite} LABELS broker TIMEOUT 120)
endforeach()
# Waits for the reaper before it gives paho's trace back to QTest (src/paho/handlereaper_p.h).
qpaho_add_test(tst_neverhang LABELS broker TIMEOUT 120 INTERNAL)
qpaho_add_test(tst_durability LABELS broker heavy TIMEOUT 240)
qpaho_add_test(tst_faults LABELS broker TIMEOUT 120 INTERNAL) # checks the quarantine (src/)
qpaho_add_test(tst_largepayload LABELS broker TIMEOUT 300)
qpaho_add_test(tst_conformance LABELS broker interop TIMEOUT 600)
qpaho_add_test(tst_pahomapping LABELS unit TIMEOUT 60)
qpaho_add_test(tst_pahowaker LABELS unit broker TIMEOUT 60 INTERNAL
    SOURCES ${PROJECT_SOURCE_DIR}/src/paho/pahowaker.cpp ${PROJECT_SOURCE_DIR}/src/paho/wakerserver.cpp
    LINK eclipse-paho-mqtt-c::paho-mqtt3as)
qpaho_add_test(tst_pahoversion LABELS unit broker TIMEOUT 60 INTERNAL
    LINK eclipse-paho-mqtt-c::paho-mqtt3as)
# Holds paho's receive thread in a race window through its own pthread_mutex_lock, which the
# executable exports so that paho's calls bind to it.
qpaho_add_test(tst_misattributedsocketerror LABELS unit broker TIMEOUT 60 INTERNAL
    LINK eclipse-paho-mqtt-c::paho-mqtt3as ${CMAKE_DL_LIBS})
if(TARGET tst_misattributedsocketerror)
    set_target_properties(tst_misattributedsocketerror PROPERTIES ENABLE_EXPORTS ON)
endif()
# libFuzzer targets, built with clang++ by run_fuzz.sh (g++ has no libFuzzer); only when clang++
# is installed, so the suite still configures without it. tests/fuzz/CMakeLists.txt builds them
# natively (fuzz_*_short) when the whole build uses Clang.
find_program(QPAHO_CLANGXX clang++)
foreach(fuzzer fuzz_topic fuzz_properties)
    if(QPAHO_CLANGXX AND (NOT QPAHO_ONLY_TESTS OR fuzzer IN_LIST QPAHO_ONLY_TESTS))
        add_test(NAME ${fuzzer}
            COMMAND bash ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzz.sh 20 ${fuzzer})
        set_tests_properties(${fuzzer} PROPERTIES LABELS fuzz TIMEOUT 300
            ENVIRONMENT "QPAHO_GENERATED_INCLUDE_DIR=${PROJECT_BINARY_DIR}/include")
    endif()
endforeach()
# tst_install: installs this build into a temporary prefix, then builds and runs the
# find_package(QPaho) consumer in tests/install against it (see run_install_test.cmake).
qpaho_add_install_test(tst_install ${CMAKE_CURRENT_SOURCE_DIR}/install LABELS unit)
qpaho_add_test(tst_soak LABELS broker heavy soak TIMEOUT 300)
qpaho_add_test(tst_citizen LABELS broker TIMEOUT 120 INTERNAL LINK eclipse-paho-mqtt-c::paho-mqtt3as)
# Coroutines (QCoro, C++20): only when the optional part "coro" is built.
if(TARGET QPaho::Coro)
    qpaho_add_test(tst_coro LABELS coro broker TIMEOUT 120 LINK QPaho::Coro)
    # tst_install for find_package(QPaho COMPONENTS Coro), with the consumer in install/coro.
    qpaho_add_install_test(tst_install_coro ${CMAKE_CURRENT_SOURCE_DIR}/install/coro
        LABELS unit coro ARGS -DCOMPONENT=Coro)
endif()
qpaho_add_test(tst_cluster LABELS broker cluster TIMEOUT 300)
# tst_workerpool runs the examples/worker-pool binary as worker and producer processes.
if(QPAHO_BUILD_EXAMPLES)
    qpaho_add_test(tst_workerpool LABELS broker cluster TIMEOUT 180)
    if(TARGET tst_workerpool)
        add_dependencies(tst_workerpool qpaho-worker-pool)
        target_compile_definitions(tst_workerpool
            PRIVATE QPAHO_WORKER_POOL_BIN="$<TARGET_FILE:qpaho-worker-pool>")
    endif()
endif()
# qpaho-pub/qpaho-sub (tools/cli): each suite runs the built tools (and mosquitto_pub/sub) as
# processes against fixture brokers.
if(TARGET qpaho-pub AND TARGET qpaho-sub)
    foreach(cli_suite tst_cli_pub tst_cli_sub tst_cli_compat)
        qpaho_add_test(${cli_suite} LABELS cli broker TIMEOUT 300)
        if(TARGET ${cli_suite})
            target_compile_definitions(${cli_suite} PRIVATE
                QPAHO_PUB_PATH="$<TARGET_FILE:qpaho-pub>" QPAHO_SUB_PATH="$<TARGET_FILE:qpaho-sub>")
            add_dependencies(${cli_suite} qpaho-pub qpaho-sub)
        endif()
    endforeach()
endif()
# qpaho-explorer (examples/explorer, Qt Widgets): the suites link its library, and
# tst_explorerxvfb runs the program itself under xvfb-run.
find_package(Qt6 QUIET COMPONENTS Widgets)
if(QPAHO_BUILD_EXAMPLES AND Qt6Widgets_FOUND)
    qpaho_add_test(tst_explorermodel LABELS gui unit TIMEOUT 120 LINK qpaho_explorer_lib)
    qpaho_add_test(tst_explorerwindow LABELS gui broker TIMEOUT 180 LINK qpaho_explorer_lib)
    qpaho_add_test(tst_explorerxvfb LABELS gui broker TIMEOUT 180 LINK qpaho_explorer_lib)
    if(TARGET tst_explorerxvfb)
        target_compile_definitions(tst_explorerxvfb PRIVATE
            QPAHO_EXPLORER_BINARY="$<TARGET_FILE:qpaho-explorer>")
        add_dependencies(tst_explorerxvfb qpaho-explorer)
    endif()
endif()
qpaho_add_test(tst_subscription LABELS broker TIMEOUT 180)
# The owner-thread core alone, against a fake paho (tests/common/fakepahosession.h): no broker.
foreach(suite tst_corerequests tst_coreconnection tst_corerouting)
    qpaho_add_test(${suite} LABELS unit core TIMEOUT 60 INTERNAL)
endforeach()
# The Bridge (paho's threads to the owner) alone, its callbacks called from std::threads.
qpaho_add_test(tst_bridge LABELS unit TIMEOUT 120 INTERNAL LINK eclipse-paho-mqtt-c::paho-mqtt3as)
