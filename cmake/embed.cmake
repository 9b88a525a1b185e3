# Turns a file into a C source defining `const char NAME[]` (NUL-terminated) and
# `const unsigned long NAME_len`, so that a page or template ships inside a binary.
# usage: cmake -DINPUT=file -DOUTPUT=file.c -DNAME=symbol -P embed.cmake
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR len "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}" "/* Generated from ${INPUT} by cmake/embed.cmake. */\n"
     "const char ${NAME}[] = {\n${bytes}0x00};\n"
     "const unsigned long ${NAME}_len = ${len};\n")
