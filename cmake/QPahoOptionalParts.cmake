# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# Optional parts (QML module, coroutines, tools, explorer): each builds only when its
# dependency is found. FeatureSummary lists them at the end of the configure run, and
# -DQPAHO_REQUIRE_ALL=ON (the README test command passes it) turns a missing one into an error,
# so CI builds and tests everything.
include(FeatureSummary)
option(QPAHO_REQUIRE_ALL "Fail the configure step when an optional part cannot be built" OFF)

# qpaho_optional_part(<name> <found> <description>)
#   Records whether the part <name> is built; with QPAHO_REQUIRE_ALL a missing part is fatal.
function(qpaho_optional_part name found description)
    add_feature_info(${name} ${found} "${description}")
    if(NOT ${found} AND QPAHO_REQUIRE_ALL)
        message(FATAL_ERROR "QPaho: the optional part '${name}' (${description}) cannot be "
            "built here, and QPAHO_REQUIRE_ALL is ON. Install its dependencies (see README).")
    endif()
endfunction()
