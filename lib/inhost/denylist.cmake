# denylist.cmake - fails the build when FILE (lib/inhost's library, or
# librtrack_preload.so) references a function that code running inside
# someone else's program must not call: the allocator (the host may have
# replaced it, or a fork may have caught its lock held), stdio (buffers and
# locks shared with the host) and what uses them behind the caller's back.
# The rule of lib/inhost/ and preload/ (README, Layout), kept by the linker's
# own record of what the code calls:
#   cmake -DNM=nm -DFILE=librtrack_preload.so -P denylist.cmake
cmake_policy(SET CMP0057 NEW) # IN_LIST
set(deny
    # the allocator
    malloc calloc realloc reallocarray free posix_memalign aligned_alloc
    memalign valloc pvalloc strdup strndup asprintf vasprintf
    # stdio and what prints through it
    printf fprintf sprintf snprintf vprintf vfprintf vsprintf vsnprintf
    dprintf vdprintf fopen fdopen freopen fopencookie fclose fflush fputs
    fputc puts putc putchar fwrite fread fgets fgetc getc getline getdelim
    scanf fscanf sscanf perror setvbuf
    # allocate or keep hidden state: a directory stream, qsort's buffer,
    # the locale and time zone
    opendir fdopendir readdir closedir qsort strerror setlocale localtime
    gmtime ctime mktime tzset)
execute_process(COMMAND ${NM} --undefined-only ${FILE}
    OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "denylist: ${NM} --undefined-only ${FILE} failed")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(found "")
foreach(line ${lines})
  # "                 U malloc@GLIBC_2.2.5": the name without its version,
  # and without _FORTIFY_SOURCE's __NAME_chk or glibc's __NAME spelling.
  if(line MATCHES "^ *U ([A-Za-z0-9_]+)")
    set(raw ${CMAKE_MATCH_1})
    set(name ${raw})
    string(REGEX REPLACE "^__(.*)_chk$" "\\1" name ${name})
    string(REGEX REPLACE "^__(isoc99_|isoc23_)?" "" name ${name})
    if(name IN_LIST deny)
      list(APPEND found ${raw})
    endif()
  endif()
endforeach()
if(found)
  list(REMOVE_DUPLICATES found)
  list(JOIN found " " found)
  message(FATAL_ERROR "${FILE} calls what code inside the host must not "
          "(lib/inhost/denylist.cmake): ${found}")
endif()
