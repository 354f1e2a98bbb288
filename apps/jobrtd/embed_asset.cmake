# cmake -DINPUT=FILE -DOUTPUT=FILE.cpp -DSYMBOL=NAME -P embed_asset.cmake
#
# Writes a C++ source defining `std::string_view jobrtd::dashboard_files::NAME()`,
# the bytes of INPUT, so the dashboard is compiled into jobrtd and serving it
# reads no file at run time. A byte array rather than a raw string: any
# content (a ")" followed by a delimiter, NULs) embeds unchanged.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
# 0x.. per byte; an empty file still needs one element for a valid array.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
if(size EQUAL 0)
  set(bytes "0x00,")
endif()
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp"
"// Generated from dashboard/${name} by embed_asset.cmake: do not edit.
#include <string_view>

namespace jobrtd::dashboard_files {

std::string_view ${SYMBOL}() noexcept;

namespace {
constexpr unsigned char bytes[] = {${bytes}};
} // namespace

std::string_view ${SYMBOL}() noexcept {
  return {reinterpret_cast<const char*>(bytes), ${size}};
}

} // namespace jobrtd::dashboard_files
")
# Rewritten only when the bytes changed, so an untouched file rebuilds nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
