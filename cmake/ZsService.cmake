# Declares a Zhongshu service from its parts, so every service has the same layering:
#
#   zs_service(<name>
#     DOMAIN        <sources>   domain core: rules on plain values and protobuf messages
#     DOMAIN_TESTS  <sources>   its unit tests (no gRPC, SQLite or Redis in them either)
#     SERVICE       <sources>   api/ (the gRPC adapter on app::Handlers) and store/ (tables)
#     MAIN          <source>)   app/main.cc: the runtime, upstreams, consumers, timers
#
# Targets: <name>_domain, <name>_domain_test, <name>_service and the executable <name>.
# <name>_domain may link only the pure libraries (zs_pure, zs_proto); the configuration fails if
# anything adds another library to it, and ctest's domain_layering checks the linked binary.

set(ZS_DOMAIN_ALLOWED_LIBS zs_pure zs_proto)

function(_zs_check_domain target)
  get_target_property(libs ${target} LINK_LIBRARIES)
  get_target_property(ilibs ${target} INTERFACE_LINK_LIBRARIES)
  foreach(lib IN LISTS libs ilibs)
    if(lib AND NOT lib IN_LIST ZS_DOMAIN_ALLOWED_LIBS)
      message(FATAL_ERROR "${target} links ${lib}: a domain core may link only "
                          "${ZS_DOMAIN_ALLOWED_LIBS} (infrastructure belongs in the service target)")
    endif()
  endforeach()
endfunction()

function(zs_service name)
  cmake_parse_arguments(ARG "" "MAIN" "DOMAIN;DOMAIN_TESTS;SERVICE" ${ARGN})
  if(NOT ARG_DOMAIN OR NOT ARG_SERVICE OR NOT ARG_MAIN)
    message(FATAL_ERROR "zs_service(${name}): DOMAIN, SERVICE and MAIN are required")
  endif()

  add_library(${name}_domain STATIC ${ARG_DOMAIN})
  target_include_directories(${name}_domain PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_options(${name}_domain PRIVATE ${ZS_WARNINGS})
  target_link_libraries(${name}_domain PUBLIC zs_pure zs_proto)
  cmake_language(EVAL CODE
    "cmake_language(DEFER DIRECTORY \"${CMAKE_SOURCE_DIR}\" CALL _zs_check_domain ${name}_domain)")

  if(ARG_DOMAIN_TESTS)
    add_executable(${name}_domain_test ${ARG_DOMAIN_TESTS})
    target_compile_options(${name}_domain_test PRIVATE ${ZS_WARNINGS})
    target_compile_definitions(${name}_domain_test PRIVATE ZS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    target_link_libraries(${name}_domain_test PRIVATE ${name}_domain GTest::gtest_main)
    gtest_discover_tests(${name}_domain_test DISCOVERY_TIMEOUT 30)
  endif()

  add_library(${name}_service STATIC ${ARG_SERVICE})
  target_compile_options(${name}_service PRIVATE ${ZS_WARNINGS})
  target_link_libraries(${name}_service PUBLIC ${name}_domain zs_proto_grpc zs_libs)

  add_executable(${name} ${ARG_MAIN})
  target_compile_options(${name} PRIVATE ${ZS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${name}_service)
endfunction()
