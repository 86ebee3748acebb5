using System.Runtime.InteropServices;

namespace CustomerLifecycle.Storage.Sqlite;

/// <summary>
/// Which file a path names: on Linux its device and inode (through <c>stat</c>), elsewhere only whether it exists. An
/// open SQLite connection keeps writing into a file deleted under it, and a new connection on the path would open
/// another file: comparing the identity before each call finds both, instead of losing the writes.
/// </summary>
internal readonly record struct DatabaseFileIdentity(bool Exists, ulong Device, ulong Inode)
{
    public static DatabaseFileIdentity Of(string path)
    {
        if (!File.Exists(path))
        {
            return default;
        }

        if (OperatingSystem.IsLinux())
        {
            // struct stat begins with st_dev and st_ino, both 64-bit, on x86-64 and arm64 alike.
            var buffer = new byte[256];
            try
            {
                if (Stat(path, buffer) == 0)
                {
                    return new(true, BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8));
                }
            }
            catch (EntryPointNotFoundException)
            {
                // A libc without the stat symbol (glibc before 2.33): existence only.
            }
        }

        return new(true, 0, 0);
    }

    [DllImport("libc", EntryPoint = "stat", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true, SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Stat(string path, byte[] buffer);
}
