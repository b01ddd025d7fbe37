; mangotqm per-user installer (NSIS 3, Debian's `nsis` package).
;
; Built by scripts/dist.sh:
;   makensis -DVERSION=0.1.0 -DVIVERSION=0.1.0.1 -DEXE=/abs/mangotqm.exe \
;            -DICON=/abs/mangotqm.ico -DWELCOME_BMP=/abs/welcome.bmp \
;            -DOUTFILE=/abs/..._setup.exe installer.nsi
;
; No administrator rights: it installs to %LOCALAPPDATA%\Programs\mangotqm,
; adds a Start-menu shortcut and an uninstaller (Settings → Apps), and
; optionally the HKCU Run value «Запускать при входе в Windows» (the same
; value the app's own setting writes, app/autostart).
;
; Silent:   setup.exe /S [/NOAUTOSTART] [/D=C:\other\folder]
;           uninstall.exe /S [/DELETEDATA]
;
; A running mangotqm (autostart is on by default, so it usually runs) is
; closed before its files are touched: first asked to quit through the
; session-wide event app/instance.QuitEventName, which the desktop app
; watches (it quits as if «Выход» had been chosen); a copy that does not
; quit within a minute (an older release, a `serve` in a console, a hung
; one) is, after asking in the dialog — at once when silent — closed with
; taskkill, and killed if it still runs. Its database is safe either way
; (SQLite's journal; unfinished sends are retried). Setup starts the new
; version when one had been running.
;
; The uninstaller keeps the calls database (%LOCALAPPDATA%\mangotqm), the
; settings and the secrets in Credential Manager unless the user ticks
; «Удалить базу звонков, настройки и ключи» (or passes /DELETEDATA); then it
; removes everything the app wrote.
;
; The installer speaks Russian whatever the Windows language; English can be
; chosen in the first dialog (remembered for updates and the uninstaller).

Unicode true
Target amd64-unicode          ; 64-bit stub: Debian's Wine is 64-bit only
RequestExecutionLevel user
ManifestDPIAware true
SetCompressor /SOLID lzma

!include MUI2.nsh
!include LogicLib.nsh
!include Sections.nsh
!include FileFunc.nsh

!define APP        "mangotqm"
!define APP_ID     "ru.mangotqm.bridge"   ; Fyne's app id (ui.AppID): its settings and cache folders
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define RUN_KEY    "Software\Microsoft\Windows\CurrentVersion\Run"
!define QUIT_EVENT "Local\mangotqm-quit"  ; app/instance.QuitEventName

Name "${APP}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "Software\${APP}" "InstallDir"
BrandingText "${APP} ${VERSION}"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=0 "ProductName" "${APP}"
VIAddVersionKey /LANG=0 "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "${APP}"

Var AppWasRunning   ; 1 when setup closed a running mangotqm: start the new one

!define MUI_ICON   "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_WELCOMEFINISHPAGE_BITMAP   "${WELCOME_BMP}"
!define MUI_UNWELCOMEFINISHPAGE_BITMAP "${WELCOME_BMP}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\${APP}.exe"
!define MUI_FINISHPAGE_RUN_TEXT "$(RunNow)"

; The language dialog: Russian preselected, the choice kept for updates and
; the uninstaller.
!define MUI_LANGDLL_REGISTRY_ROOT      HKCU
!define MUI_LANGDLL_REGISTRY_KEY       "Software\${APP}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "InstallerLanguage"
!define MUI_LANGDLL_WINDOWTITLE        "${APP}"
!define MUI_LANGDLL_INFO               "Язык установки / Installer language"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!define MUI_PAGE_CUSTOMFUNCTION_SHOW un.SpaceText
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "Russian"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString SecApp     ${LANG_RUSSIAN} "mangotqm (мост Mango Office → T-Bank TQM)"
LangString SecApp     ${LANG_ENGLISH} "mangotqm (Mango Office → T-Bank TQM bridge)"
LangString SecLogin   ${LANG_RUSSIAN} "Запускать при входе в Windows"
LangString SecLogin   ${LANG_ENGLISH} "Start when I sign in to Windows"
LangString RunNow     ${LANG_RUSSIAN} "Запустить mangotqm"
LangString RunNow     ${LANG_ENGLISH} "Start mangotqm"
LangString UnSecApp   ${LANG_RUSSIAN} "Программа mangotqm"
LangString UnSecApp   ${LANG_ENGLISH} "The mangotqm program"
LangString UnSecData  ${LANG_RUSSIAN} "Удалить базу звонков, настройки и ключи"
LangString UnSecData  ${LANG_ENGLISH} "Delete the calls database, settings and keys"
LangString Closing    ${LANG_RUSSIAN} "Закрываю запущенную программу mangotqm…"
LangString Closing    ${LANG_ENGLISH} "Closing the running mangotqm…"
LangString Closed     ${LANG_RUSSIAN} "mangotqm закрыта."
LangString Closed     ${LANG_ENGLISH} "mangotqm has been closed."
LangString StillRuns  ${LANG_RUSSIAN} "Программа mangotqm всё ещё работает (возможно, старая версия или «mangotqm serve» в командной строке) и не закрылась сама.$\r$\n$\r$\n«ОК» — закрыть её и продолжить. Звонки не потеряются: база данных это выдерживает, неотправленные звонки будут отправлены при следующем запуске.$\r$\n«Отмена» — ничего не менять; закройте mangotqm сами (значок в трее → «Выход») и запустите установку снова."
LangString StillRuns  ${LANG_ENGLISH} "mangotqm is still running (perhaps an older version, or «mangotqm serve» in a console) and did not close by itself.$\r$\n$\r$\nOK: close it and go on. No call is lost: the database withstands this, and unsent calls are sent at the next start.$\r$\nCancel: change nothing; close mangotqm yourself (tray icon → Quit) and run this again."
LangString Killing    ${LANG_RUSSIAN} "Завершаю mangotqm принудительно…"
LangString Killing    ${LANG_ENGLISH} "Ending mangotqm…"
LangString CantClose  ${LANG_RUSSIAN} "Не удалось закрыть mangotqm: файл $INSTDIR\${APP}.exe занят. Закройте программу и запустите установку снова."
LangString CantClose  ${LANG_ENGLISH} "Could not close mangotqm: $INSTDIR\${APP}.exe is in use. Close the program and run this again."
LangString SpaceFreed ${LANG_RUSSIAN} "Освободится на диске:"
LangString SpaceFreed ${LANG_ENGLISH} "Space freed:"
LangString Restarting ${LANG_RUSSIAN} "Запускаю новую версию mangotqm…"
LangString Restarting ${LANG_ENGLISH} "Starting the new mangotqm…"

; ------------------------------------------------- closing a running app
; Shared by setup and the uninstaller (NSIS wants "un." copies for the
; latter), hence macros.

; ExeInUse: $0 = 1 when $INSTDIR\mangotqm.exe cannot be opened for writing
; (Windows locks the exe of a running program), 0 otherwise.
!macro ExeInUse
  StrCpy $0 0
  ${If} ${FileExists} "$INSTDIR\${APP}.exe"
    ClearErrors
    FileOpen $1 "$INSTDIR\${APP}.exe" a
    ${If} ${Errors}
      StrCpy $0 1
    ${Else}
      FileClose $1
    ${EndIf}
  ${EndIf}
!macroend

; WaitExeFree SECONDS: waits until the exe is free; $0 = 1 when it still is not.
!macro WaitExeFree SECONDS
  StrCpy $2 0
  ${Do}
    !insertmacro ExeInUse
    ${If} $0 = 0
    ${OrIf} $2 >= ${SECONDS}
      ${Break}
    ${EndIf}
    Sleep 1000
    IntOp $2 $2 + 1
  ${Loop}
!macroend

; RMDirAll DIR: removes DIR with everything in it. A file the closed app
; held may stay locked a moment after its process is gone (seen under Wine),
; so a folder that is still there is tried again, for up to ten seconds.
!macro RMDirAll DIR
  StrCpy $2 0
  ${Do}
    RMDir /r "${DIR}"
    ${IfNot} ${FileExists} "${DIR}\*.*"
    ${OrIf} $2 >= 10
      ${Break}
    ${EndIf}
    Sleep 1000
    IntOp $2 $2 + 1
  ${Loop}
!macroend

!macro CloseRunningApp UN
Function ${UN}CloseRunningApp
  StrCpy $AppWasRunning 0
  ; 1. Ask: the desktop app watches QUIT_EVENT and quits when it is set.
  ; The event exists only while a watching app runs (each holds a handle).
  System::Call 'kernel32::OpenEventW(i 0x00100002, i 0, w "${QUIT_EVENT}") p.r0'
  ${If} $0 P<> 0
    StrCpy $AppWasRunning 1
    DetailPrint "$(Closing)"
    System::Call 'kernel32::SetEvent(p r0)'
    System::Call 'kernel32::CloseHandle(p r0)'
    StrCpy $2 0
    ${Do}
      System::Call 'kernel32::OpenEventW(i 0x00100000, i 0, w "${QUIT_EVENT}") p.r0'
      ${If} $0 P= 0
        ${Break}
      ${EndIf}
      System::Call 'kernel32::CloseHandle(p r0)'
      ${If} $2 >= 240   ; a minute: closing the bridge may wait for sends
        ${Break}
      ${EndIf}
      Sleep 250
      IntOp $2 $2 + 1
    ${Loop}
  ${EndIf}
  ; 2. Whatever still holds the exe (an older release without the event,
  ; a serve in a console, a hung copy): ask the user, then close it.
  !insertmacro WaitExeFree 5
  ${If} $0 = 1
    StrCpy $AppWasRunning 1
    ${IfNot} ${Silent}
      MessageBox MB_OKCANCEL|MB_ICONEXCLAMATION "$(StillRuns)" IDOK +2
      Quit
    ${EndIf}
    DetailPrint "$(Killing)"
    nsExec::Exec '"$SYSDIR\taskkill.exe" /IM ${APP}.exe'
    Pop $1
    !insertmacro WaitExeFree 10
    ${If} $0 = 1
      nsExec::Exec '"$SYSDIR\taskkill.exe" /F /IM ${APP}.exe'
      Pop $1
      !insertmacro WaitExeFree 10
    ${EndIf}
    ${If} $0 = 1
      MessageBox MB_OK|MB_ICONSTOP "$(CantClose)" /SD IDOK
      SetErrorLevel 2
      Quit
    ${EndIf}
  ${EndIf}
  ${If} $AppWasRunning = 1
    DetailPrint "$(Closed)"
  ${EndIf}
FunctionEnd
!macroend
!insertmacro CloseRunningApp ""
!insertmacro CloseRunningApp "un."

; ---------------------------------------------------------------- install

Section "$(SecApp)" SecMain
  SectionIn RO
  Call CloseRunningApp
  SetOutPath "$INSTDIR"
  File "/oname=${APP}.exe" "${EXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortcut "$SMPROGRAMS\${APP}.lnk" "$INSTDIR\${APP}.exe" "" "$INSTDIR\${APP}.exe" 0

  WriteRegStr HKCU "Software\${APP}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "Software\${APP}" "InstallerLanguage" "$LANGUAGE"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "${APP}"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\${APP}.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0
SectionEnd

Section "$(SecLogin)" SecAutostart
  ; The same value the app's «Запускать при входе» setting writes.
  WriteRegStr HKCU "${RUN_KEY}" "${APP}" '"$INSTDIR\${APP}.exe"'
SectionEnd

Section "-autostart off"
  ${IfNot} ${SectionIsSelected} ${SecAutostart}
    DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
  ${EndIf}
SectionEnd

; The new version takes over where the old one ran. With the dialog the
; finish page's «Запустить mangotqm» (ticked) does it instead.
Section "-restart"
  ${If} $AppWasRunning = 1
  ${AndIf} ${Silent}
    DetailPrint "$(Restarting)"
    Exec '"$INSTDIR\${APP}.exe"'
  ${EndIf}
SectionEnd

Function .onInit
  StrCpy $LANGUAGE ${LANG_RUSSIAN}   ; whatever the Windows language
  ${IfNot} ${Silent}
    !insertmacro MUI_LANGDLL_DISPLAY
  ${Else}
    ReadRegStr $0 HKCU "Software\${APP}" "InstallerLanguage"
    ${If} $0 != ""
      StrCpy $LANGUAGE $0
    ${EndIf}
  ${EndIf}
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/NOAUTOSTART" $R1
  ${IfNot} ${Errors}
    !insertmacro UnselectSection ${SecAutostart}
  ${EndIf}
FunctionEnd

; -------------------------------------------------------------- uninstall

Section "un.$(UnSecApp)" UnSecMain
  SectionIn RO
  Call un.CloseRunningApp
  Delete "$INSTDIR\${APP}.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APP}.lnk"
  DeleteRegValue HKCU "${RUN_KEY}" "${APP}"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "Software\${APP}"
SectionEnd

; Off unless ticked: the database is the office's call log.
Section /o "un.$(UnSecData)" UnSecData
  !insertmacro RMDirAll "$LOCALAPPDATA\${APP}"
  !insertmacro RMDirAll "$LOCALAPPDATA\${APP}-demo"
  ; Fyne's settings (%APPDATA%) and cache (%LOCALAPPDATA%) of the app.
  !insertmacro RMDirAll "$APPDATA\fyne\${APP_ID}"
  RMDir "$APPDATA\fyne"
  !insertmacro RMDirAll "$LOCALAPPDATA\fyne\${APP_ID}"
  RMDir "$LOCALAPPDATA\fyne"
  Call un.DeleteCredentials
SectionEnd

; DeleteCredentials removes every Credential Manager entry of the app:
; go-keyring files each secret as the generic credential "mangotqm:<name>",
; so all of them are found with the filter "mangotqm:*", including secrets
; added by later versions.
Function un.DeleteCredentials
  ; CredEnumerateW(filter, 0, &count, &array)
  System::Call 'advapi32::CredEnumerateW(w "${APP}:*", i 0, *i .r1, *p .r2) i .r0'
  ${If} $0 = 0
    Return   ; none
  ${EndIf}
  StrCpy $3 0
  ${DoWhile} $3 < $1
    ; array[$3] is a CREDENTIALW*; TargetName is at offset 8 (Flags, Type).
    IntOp $4 $3 * 8
    IntPtrOp $4 $2 + $4
    System::Call '*$4(p .r5)'
    System::Call '*$5(i, i, w .r6)'
    System::Call 'advapi32::CredDeleteW(w r6, i 1, i 0) i'
    IntOp $3 $3 + 1
  ${Loop}
  System::Call 'advapi32::CredFree(p r2)'
FunctionEnd

; The uninstaller's components page: what the ticked choices free, instead
; of NSIS's «Требуется на диске: 0.0 Кбайт» (uninstall sections copy no
; files). NSIS rewrites its own label (1023) after this, so that one is
; hidden and the page's unused label 1021 says it.
Function un.SpaceText
  StrCpy $1 0
  ${If} ${SectionIsSelected} ${UnSecMain}
    SectionGetSize ${UnSecMain} $2
    IntOp $1 $1 + $2
  ${EndIf}
  ${If} ${SectionIsSelected} ${UnSecData}
    SectionGetSize ${UnSecData} $2
    IntOp $1 $1 + $2
  ${EndIf}
  IntOp $2 $1 / 1024
  IntOp $3 $1 % 1024
  IntOp $3 $3 * 10
  IntOp $3 $3 / 1024
  FindWindow $4 "#32770" "" $HWNDPARENT
  GetDlgItem $0 $4 1023   ; IDC_SPACEREQUIRED
  ShowWindow $0 ${SW_HIDE}
  GetDlgItem $0 $4 1021
  System::Call 'user32::SetWindowPos(p r0, p 0, i 0, i 0, i 420, i 16, i 0x16)'
  SendMessage $0 ${WM_SETTEXT} 0 "STR:$(SpaceFreed) $2.$3$(^Mega)$(^Byte)"
FunctionEnd

Function un.onSelChange
  Call un.SpaceText
FunctionEnd

; SetSizes: the sizes of the uninstall sections, in KB, from the disk.
Function un.SetSizes
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  SectionSetSize ${UnSecMain} $0
  StrCpy $3 0
  ${ForEach} $4 0 3 + 1
    ${Select} $4
      ${Case} 0
        StrCpy $5 "$LOCALAPPDATA\${APP}"
      ${Case} 1
        StrCpy $5 "$LOCALAPPDATA\${APP}-demo"
      ${Case} 2
        StrCpy $5 "$APPDATA\fyne\${APP_ID}"
      ${Case} 3
        StrCpy $5 "$LOCALAPPDATA\fyne\${APP_ID}"
    ${EndSelect}
    ${If} ${FileExists} "$5\*.*"
      ${GetSize} "$5" "/S=0K" $0 $1 $2
      IntOp $3 $3 + $0
    ${EndIf}
  ${Next}
  SectionSetSize ${UnSecData} $3
FunctionEnd

Function un.onInit
  StrCpy $LANGUAGE ${LANG_RUSSIAN}
  ${IfNot} ${Silent}
    !insertmacro MUI_UNGETLANGUAGE
  ${Else}
    ReadRegStr $0 HKCU "Software\${APP}" "InstallerLanguage"
    ${If} $0 != ""
      StrCpy $LANGUAGE $0
    ${EndIf}
  ${EndIf}
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${UnSecData}
  ${EndIf}
  Call un.SetSizes
FunctionEnd
