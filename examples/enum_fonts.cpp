// An EnumFontFamiliesEx-style callback: a struct pointer, a DWORD font type
// and the LPARAM slot.
#include <thunk/thunk.hpp>

#include <cstdio>

#include "fakewin.h"

int main() {
  int truetype = 0;
  auto show = [&](const FW_LOGFONT* font, FW_DWORD type) {
    bool is_truetype = (type & FW_TRUETYPE_FONTTYPE) != 0;
    truetype += is_truetype ? 1 : 0;
    std::printf("  %-16s height %d, weight %d%s, %s\n", font->face_name, font->height, font->weight,
                font->italic ? ", italic" : "", is_truetype ? "TrueType" : "raster");
    return 1;  // go on
  };

  // thunk::call reads the API: the first parameter after the callback whose
  // type is one of the callback's candidates is FW_LPARAM, so that is the slot.
  std::printf("all font families:\n");
  thunk::call(fw_enum_font_families, show, FW_DWORD{FW_ENUM_ALL_FONTS});

  // with_context sees FW_FONTENUMPROC alone. On i386 FW_DWORD and FW_LPARAM are
  // both pointer-sized integers, so "the only pointer-sized integer" has two
  // answers there and the automatic form is a compile-time error: name the
  // context parameter's index (font = 0, font_type = 1, lparam = 2).
  auto [fn, ctx] = thunk::with_context<FW_FONTENUMPROC, 2>(show);
  std::printf("TrueType only:\n");
  fw_enum_font_families(fn, ctx, FW_ENUM_TRUETYPE_ONLY);
  std::printf("%d TrueType families seen in the two enumerations\n", truetype);
}
