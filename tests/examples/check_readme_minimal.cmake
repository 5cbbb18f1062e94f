# SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
# ctest readme_minimal: the README shows examples/minimal/main.cpp and CMakeLists.txt verbatim,
# each as a fenced code block, so the program users copy is the one the tests build and run.
#   cmake -DSOURCE_DIR=<QPaho source> -P check_readme_minimal.cmake
file(READ "${SOURCE_DIR}/README.md" readme)
foreach(pair "cpp:main.cpp" "cmake:CMakeLists.txt")
    string(REPLACE ":" ";" pair "${pair}")
    list(GET pair 0 language)
    list(GET pair 1 file)
    file(READ "${SOURCE_DIR}/examples/minimal/${file}" content)
    string(FIND "${readme}" "```${language}\n${content}```\n" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "README.md does not show examples/minimal/${file} verbatim in a "
            "```${language} block; copy the file's exact content into the README.")
    endif()
endforeach()
message(STATUS "README.md shows examples/minimal/main.cpp and CMakeLists.txt verbatim")
