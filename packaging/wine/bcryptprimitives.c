/*
 * bcryptprimitives.dll for Wine 8.0 (Debian 12), TESTS ONLY.
 *
 * Go >= 1.24 programs call ProcessPrng from bcryptprimitives.dll at start-up;
 * Wine 8.0 has no such DLL, so every Go program dies with "fatal error:
 * bcryptprimitives.dll not found". This DLL exports ProcessPrng and fills the
 * buffer from RtlGenRandom (advapi32's SystemFunction036), Wine's
 * cryptographic random source. scripts/wine.sh builds it with mingw-w64 and
 * copies it into the test prefix's system32. Real Windows 10/11 ship the
 * real DLL; it is never part of a release.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)instance; (void)reason; (void)reserved;
    return TRUE;
}
