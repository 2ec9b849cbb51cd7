/* bcryptprimitives.dll stand-in for Wine 8, which lacks ProcessPrng.
 * Rust's std (since 1.78) imports bcryptprimitives!ProcessPrng for its random keys; without it every
 * Rust .exe fails to start under Wine 8 (status 53). This fills the buffer from RtlGenRandom instead. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom, exported by advapi32 */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG chunk = len > (1u << 30) ? (1u << 30) : (ULONG)len; /* RtlGenRandom takes a ULONG length */
		if (!SystemFunction036(data, chunk))
			return FALSE;
		data += chunk;
		len -= chunk;
	}
	return TRUE;
}
