# Debian's libcaf-dev ships no CMake package: this finds CAF 0.17.x and
# defines the imported targets caf::core and caf::io.
find_path(CAF_INCLUDE_DIR caf/all.hpp)
find_library(CAF_CORE_LIBRARY NAMES caf_core)
find_library(CAF_IO_LIBRARY NAMES caf_io)

if(CAF_INCLUDE_DIR)
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "#define CAF_VERSION [0-9]+")
  string(REGEX MATCH "[0-9]+" CAF_VERSION_NUMBER "${_caf_version_line}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_INCLUDE_DIR CAF_CORE_LIBRARY CAF_IO_LIBRARY CAF_VERSION_NUMBER)

if(CAF_FOUND)
  if(CAF_VERSION_NUMBER LESS 1700 OR CAF_VERSION_NUMBER GREATER_EQUAL 1800)
    message(FATAL_ERROR "switchboard needs CAF 0.17.x, found ${CAF_VERSION_NUMBER}")
  endif()
  find_package(Threads REQUIRED)
  if(NOT TARGET caf::core)
    add_library(caf::core SHARED IMPORTED)
    set_target_properties(caf::core PROPERTIES
      IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES Threads::Threads)
    add_library(caf::io SHARED IMPORTED)
    set_target_properties(caf::io PROPERTIES
      IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
      INTERFACE_LINK_LIBRARIES caf::core)
  endif()
endif()
